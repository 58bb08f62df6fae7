"""Locations (T10, T11): rooms, cabinets and safes, what they may hold, their periodic checks
("locked, as expected"), the writes to them, and the weekly reminder of checks due.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from bastion.core import audit
from bastion.core.models import Membership, School
from bastion.equipment.models import Device, EquipmentSettings, Location, LocationCheck
from bastion.lib.db import retry_conflicts
from bastion.notify.schedule import job
from bastion.notify.services import mail_queue

# Devices no longer in the school's hands: the rules stop applying, they are kept nowhere.
GONE = (Device.Status.LOST, Device.Status.STOLEN, Device.Status.DISPOSED)
LOCATION_FIELDS = (
    "name",
    "kind",
    "lockable",
    "fire_proof",
    "for_paper_records",
    "for_servers",
    "for_backup_media",
    "notes",
    "archived",
)
DEFAULT_CHECK_DAYS = EquipmentSettings._meta.get_field("location_check_days").default


def check_days(school) -> int:
    days = EquipmentSettings.objects.filter(school=school).values_list(
        "location_check_days", flat=True
    )
    return next(iter(days), None) or DEFAULT_CHECK_DAYS


def needs_checks_q() -> Q:
    """Locations that are checked: lockable, in use, and on site."""
    return Q(lockable=True, archived=False) & ~Q(kind=Location.Kind.OFF_SITE)


def check_due_q(days: int, today: dt.date | None = None) -> Q:
    """Locations never checked, or not within the last `days` days."""
    since = (today or timezone.localdate()) - dt.timedelta(days=days)
    recent = LocationCheck.objects.filter(location=OuterRef("pk"), checked_on__gt=since)
    return needs_checks_q() & ~Exists(recent)


def checks_due_by_school(
    schools, today: dt.date | None = None, days: dict[int, int | None] | None = None
) -> dict[int, int]:
    """{school id: locations due a check} for many schools in two queries whatever their number
    (one if `days`, each school's check period, is given); schools with none due are left out."""
    if days is None:
        days = dict(
            EquipmentSettings.objects.filter(school__in=schools).values_list(
                "school_id", "location_check_days"
            )
        )
    by_period = defaultdict(list)
    for school in schools:
        by_period[days.get(school.pk) or DEFAULT_CHECK_DAYS].append(school.pk)
    due = Q(pk__in=[])
    for period, ids in by_period.items():
        due |= Q(school_id__in=ids) & check_due_q(period, today)
    rows = Location.objects.filter(due).values("school").annotate(n=Count("pk")).order_by()
    return {row["school"]: row["n"] for row in rows}


def with_last_check(locations: QuerySet[Location]) -> QuerySet[Location]:
    last = LocationCheck.objects.filter(location=OuterRef("pk")).order_by("-checked_on", "-id")
    return locations.annotate(
        last_checked_on=Subquery(last.values("checked_on")[:1]),
        last_as_expected=Subquery(last.values("as_expected")[:1]),
    )


def location_warnings(location: Location) -> list[str]:
    """What a location lacks for what it may hold (T10, T11, T12)."""
    warnings = []
    if location.for_paper_records and not location.lockable:
        warnings.append("It may hold sensitive paper records but is not lockable (T10).")
    if location.for_servers and not location.lockable:
        warnings.append("It may hold servers but is not lockable (T11).")
    if location.for_backup_media and not (location.lockable and location.fire_proof):
        warnings.append("It may hold back-up media but is not both lockable and fire-proof (T12).")
    return warnings


def only_fields(data: dict, fields) -> dict:
    """The items of `data` that name one of `fields` (a form may carry more)."""
    return {k: v for k, v in data.items() if k in fields}


def _check_location(location: Location) -> None:
    errors = {}
    same_name = Location.objects.filter(school=location.school, name__iexact=location.name.strip())
    if location.name and same_name.exclude(pk=location.pk).exists():
        errors["name"] = f"There is already a location called “{location.name}”."
    if location.is_off_site and location.for_backup_media:
        errors["for_backup_media"] = "Back-up media never leave site (T12): untick this."
    if location.pk:
        here = Device.objects.filter(location=location).exclude(status__in=GONE)
        if location.is_off_site and here.filter(kind__in=sorted(Device.BACKUP_MEDIA)).exists():
            errors["kind"] = "Back-up media are kept here, and back-up media never leave site."
        if location.archived and here.exists():
            errors["archived"] = "Devices are kept here: move them before archiving it."
    if errors:
        raise ValidationError(errors)
    location.full_clean(validate_constraints=False)


def save_unique(obj) -> None:
    """Save, turning a lost race on a unique value into a message rather than a 500."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise ValidationError(
            "Someone saved the same name or tag a moment ago: try again."
        ) from None


def location_create(*, actor, school, data: dict, request=None) -> Location:
    location = Location(school=school, **only_fields(data, LOCATION_FIELDS))
    _check_location(location)
    with transaction.atomic():
        save_unique(location)
        audit.record(
            "location.created",
            actor=actor,
            school=school,
            obj=location,
            request=request,
            changes=audit.diff({}, audit.snapshot(location, LOCATION_FIELDS)),
        )
    return location


def location_update(*, actor, school, location: Location, data: dict, request=None) -> Location:
    before = audit.snapshot(location, LOCATION_FIELDS)
    for name, value in only_fields(data, LOCATION_FIELDS).items():
        setattr(location, name, value)
    _check_location(location)
    changes = audit.diff(before, audit.snapshot(location, LOCATION_FIELDS))
    if changes:
        with transaction.atomic():
            save_unique(location)
            audit.record(
                "location.updated",
                actor=actor,
                school=school,
                obj=location,
                request=request,
                changes=changes,
            )
    return location


def location_check_record(
    *, actor, school, location: Location, data: dict, request=None
) -> LocationCheck:
    """Record that someone checked a location: locked as expected, or what was wrong."""
    check = LocationCheck(
        school=school,
        location=location,
        checked_by=actor,
        **only_fields(data, ("checked_on", "as_expected", "note")),
    )
    if check.checked_on and check.checked_on > timezone.localdate():
        raise ValidationError({"checked_on": "The check cannot be in the future."})
    if check.as_expected is False and not check.note.strip():
        raise ValidationError({"note": "Say what was wrong and what was done about it."})
    check.full_clean()
    with transaction.atomic():
        check.save()
        audit.record(
            "location.checked",
            actor=actor,
            school=school,
            obj=location,
            request=request,
            changes=audit.snapshot(check, ("checked_on", "as_expected", "note")),
        )
    return check


@retry_conflicts
def location_settings_update(*, actor, school, data: dict, request=None) -> EquipmentSettings:
    """The school's period between location checks (days)."""
    with transaction.atomic():
        row, _ = EquipmentSettings.objects.select_for_update(no_key=True).get_or_create(
            school=school
        )
        before = audit.snapshot(row, ["location_check_days"])
        row.location_check_days = data["location_check_days"]
        row.full_clean()
        changes = audit.diff(before, audit.snapshot(row, ["location_check_days"]))
        if changes:
            row.save(update_fields=["location_check_days"])
            audit.record(
                "equipment.settings_changed",
                actor=actor,
                school=school,
                request=request,
                object_repr=f"Equipment settings of {school.name}",
                changes=changes,
            )
    return row


# ---- reminders ---------------------------------------------------------------------------


@job("location-checks", every=dt.timedelta(hours=6))
def location_check_reminders() -> str:
    """Once a week per school, tell the IT lead and the SIRO how many locations are due a
    check (counts only)."""
    today = timezone.localdate()
    year, week, _ = today.isocalendar()
    queued = 0
    schools = School.objects.filter(
        pk__in=Location.objects.filter(needs_checks_q()).values("school")
    ).only("name", "slug")
    due = checks_due_by_school(list(schools), today)
    for school in schools.filter(pk__in=due):
        count = due[school.pk]
        link = settings.SITE_URL + reverse("location-list", kwargs={"school": school.slug})
        recipients = (
            Membership.objects.active()
            .filter(school=school)
            .filter(Q(is_it_lead=True) | Q(is_siro=True))
            .select_related("user")
        )
        places = "location is" if count == 1 else "locations are"
        for membership in recipients:
            user = membership.user
            message = mail_queue(
                to=user.email,
                subject=f"Location checks due at {school.name}",
                body=(
                    f"Hello {user.first_name or user.email},\n\n"
                    f"{count} lockable {places} due a check at {school.name}: are they "
                    "locked, as expected? Record each check in Bastion.\n\n"
                    f"The locations: {link}?status=due\n"
                ),
                dedupe_key=f"location-checks:{school.pk}:{user.pk}:{year}-W{week:02d}",
                school=school,
            )
            queued += message is not None
    return f"queued {queued}"
