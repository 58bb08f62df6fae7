"""Devices (T3, T6, T11): the rules that check them, every write to them, the lost-or-stolen
alert (P4), and the equipment tasks on My tasks. Locations are in locations.py.

Each rule is a Q over Device, so the register filters by it, flags each row and counts the
problems for the dashboard in a fixed number of queries (`rule_qs`, `with_flags`, `problems`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.urls import reverse
from django.utils import timezone

from bastion.core import audit
from bastion.core.models import Membership, School
from bastion.equipment.locations import GONE, checks_due_by_school, only_fields, save_unique
from bastion.equipment.models import Device, EquipmentSettings, Loan
from bastion.incidents import services as incidents
from bastion.incidents.models import Incident, Kind
from bastion.lib.dates import long_datetime
from bastion.lib.db import retry_conflicts
from bastion.notify.mytasks import Task, provider
from bastion.notify.services import mail_queue
from bastion.people import scr
from bastion.people.models import PeopleSettings, Person

Status = Device.Status
MISSING = (Status.LOST, Status.STOLEN)
INCIDENT_KINDS = {Status.LOST: Kind.LOST_DEVICE, Status.STOLEN: Kind.STOLEN_DEVICE}
OFF_SITE_REFUSED = (
    "Back-up media never leave site (T12): choose a location on site, such as a locked, "
    "fire-proof cabinet."
)
DEVICE_FIELDS = (
    "kind",
    "make",
    "model",
    "serial",
    "asset_tag",
    "holds_personal_data",
    "encrypted",
    "location",
    "assigned_to",
    "manager",
    "purchased_on",
    "status",
    "notes",
)
# Who is chased about location checks and equipment problems.
CHASED_ROLES = frozenset({"it_lead", "siro"})


# ---- rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    key: str
    label: str
    why: str


RULES = (
    Rule(
        "unencrypted",
        "Personal data, not encrypted",
        "A portable device or removable medium that holds personal data must be encrypted (T3).",
    ),
    Rule(
        "server_unlocked",
        "Server not locked away",
        "Servers are kept in a lockable location (T11).",
    ),
    Rule(
        "manager_unchecked",
        "Manager not DBS-checked",
        "Servers are managed by DBS-checked staff (T11): name a manager whose Single Central "
        "Record entry is complete.",
    ),
)


def _rules(manager_checked: Q) -> dict[str, Q]:
    held = ~Q(status__in=GONE)
    server = Q(kind=Device.Kind.SERVER)
    return {
        "unencrypted": held
        & Q(kind__in=sorted(Device.PORTABLE), holds_personal_data=True, encrypted=False),
        "server_unlocked": held & server & (Q(location__isnull=True) | Q(location__lockable=False)),
        "manager_unchecked": held & server & ~manager_checked,
    }


def rule_qs(school, today: dt.date | None = None) -> dict[str, Q]:
    """{rule: Q matching the devices that break it}; one query (the school's DBS re-check)."""
    managers = Person.objects.filter(pk=OuterRef("manager_id"))
    return _rules(Q(Exists(scr.with_clear_scr(managers, school, today))))


def with_flags(devices: QuerySet[Device], rules: dict[str, Q]) -> QuerySet[Device]:
    """Each device with `flag_<rule>` set when it breaks the rule."""
    return devices.annotate(
        **{
            f"flag_{key}": ExpressionWrapper(q, output_field=BooleanField())
            for key, q in rules.items()
        }
    )


def broken(device: Device) -> list[Rule]:
    """The rules a device from `with_flags` breaks."""
    return [rule for rule in RULES if getattr(device, f"flag_{rule.key}", False)]


def problems(school, today: dt.date | None = None, rules: dict[str, Q] | None = None) -> dict:
    """How many devices break each rule (for the register and the dashboard); two queries."""
    rules = rules or rule_qs(school, today)
    counts = Device.objects.filter(school=school).aggregate(
        **{key: Count("pk", filter=q) for key, q in rules.items()}
    )
    return {key: counts[key] or 0 for key in rules}


def problems_by_school(
    schools, today: dt.date | None = None, years: dict[int, int | None] | None = None
) -> dict[int, dict[str, int]]:
    """`problems` for many schools in two queries whatever their number (one if `years`, each
    school's DBS re-check period, is given).

    The manager's test is `scr.with_clear_scr`'s, built from the same pieces, with each
    school's own DBS re-check cut-off.
    """
    today = today or timezone.localdate()
    if years is None:
        years = dict(
            PeopleSettings.objects.filter(school__in=schools).values_list(
                "school_id", "dbs_recheck_years"
            )
        )
    by_cutoff = defaultdict(list)
    for school in schools:
        by_cutoff[scr.cutoff_for(years.get(school.pk), today)].append(school.pk)
    checked = Q(pk__in=[])
    for cutoff, ids in by_cutoff.items():
        clear = Person.objects.filter(pk=OuterRef("manager_id"), school=OuterRef("school"))
        clear = clear.filter(scr.on_roll_q(today), scr.clear_q(cutoff))
        checked |= Q(school_id__in=ids) & Exists(clear)
    rules = _rules(checked)
    rows = (
        Device.objects.filter(school__in=schools)
        .values("school")
        .annotate(**{key: Count("pk", filter=q) for key, q in rules.items()})
        .order_by()
    )
    counts = {row["school"]: {key: row[key] for key in rules} for row in rows}
    return {school.pk: counts.get(school.pk, dict.fromkeys(rules, 0)) for school in schools}


# ---- devices -------------------------------------------------------------------------------


def _check_device(device: Device, school) -> None:
    errors = {}
    for name in ("location", "assigned_to", "manager"):
        row = getattr(device, name)
        if row is not None and row.school_id != school.pk:
            errors[name] = "Choose one of this school's."
    if device.is_backup_medium and device.location and device.location.is_off_site:
        errors["location"] = OFF_SITE_REFUSED
    device.asset_tag = device.asset_tag.strip()
    tags = Device.objects.filter(school=school, asset_tag=device.asset_tag).exclude(pk=device.pk)
    if device.asset_tag and tags.exists():
        errors["asset_tag"] = f"Another device already has the asset tag “{device.asset_tag}”."
    if errors:
        raise ValidationError(errors)
    device.full_clean(validate_constraints=False)


@retry_conflicts
def device_create(*, actor, school, data: dict, request=None) -> Device:
    device = Device(school=school, **only_fields(data, DEVICE_FIELDS))
    if device.status in MISSING:
        raise ValidationError({"status": "Add it, then report it lost or stolen."})
    _check_device(device, school)
    with transaction.atomic():
        save_unique(device)
        audit.record(
            "device.created",
            actor=actor,
            school=school,
            obj=device,
            request=request,
            changes=audit.diff({}, audit.snapshot(device, DEVICE_FIELDS)),
        )
    return device


SAVED_SINCE = "saved_since"


def _saved_since(changes: dict) -> str:
    labels = [str(Device._meta.get_field(name).verbose_name) for name in changes]
    what = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return (
        "Someone saved this device after you opened this page. Saving now would set its "
        f"{what} to what this form holds: check the device's page, then save again to keep "
        "what you typed."
    )


def version(device: Device) -> str:
    """What an edit form remembers of the device it opened: a save after another one is told."""
    return device.updated_at.isoformat()


@retry_conflicts
def device_update(
    *, actor, school, device: Device, data: dict, seen: str = "", request=None
) -> Device:
    """Save an edit of the device, from its row as it is now (locked). With `seen` (the form's
    `version` of it), an edit of a device someone else saved since the form was opened is
    refused, naming what saving would overwrite, rather than silently undoing their change (a
    loss reported meanwhile put back to "in use", say)."""
    with transaction.atomic():
        device = Device.objects.select_for_update(no_key=True).get(pk=device.pk, school=school)
        if device.status == Status.DISPOSED:
            raise ValidationError(
                "A disposed device stays on the register as a record: it is not changed."
            )
        saved_since = bool(seen) and seen != version(device)
        was_missing = device.status in MISSING
        before = audit.snapshot(device, DEVICE_FIELDS)
        for name, value in only_fields(data, DEVICE_FIELDS).items():
            setattr(device, name, value)
        changes = audit.diff(before, audit.snapshot(device, DEVICE_FIELDS))
        if saved_since and changes:
            raise ValidationError(_saved_since(changes), code=SAVED_SINCE)
        if device.status in MISSING and not was_missing:
            raise ValidationError(
                {"status": "Use “Report lost or stolen”, so the DPO and the SIRO are told at once."}
            )
        _check_device(device, school)
        if "assigned_to" in changes:
            _check_not_lent(device)
        if changes:
            save_unique(device)
            audit.record(
                "device.updated",
                actor=actor,
                school=school,
                obj=device,
                request=request,
                changes=changes,
            )
    return device


def _check_not_lent(device: Device) -> None:
    """While a device is out on loan its borrower holds it: the loan, not the form, says who."""
    loan = Loan.objects.filter(device=device, returned_on__isnull=True).select_related("borrower")
    if (loan := loan.first()) is not None and loan.borrower_id != device.assigned_to_id:
        raise ValidationError(
            {
                "assigned_to": f"It is on loan to {loan.borrower.full_name}: record its return "
                "before giving it to someone else."
            }
        )


def reportable_by(user, school) -> QuerySet[Device]:
    """Devices in the hands of the user's own directory entry, for the report-missing form."""
    return (
        Device.objects.filter(school=school, assigned_to__user=user)
        .exclude(status__in=GONE)
        .order_by("kind", "asset_tag", "id")
    )


@retry_conflicts
def device_report_missing(
    *,
    actor,
    school,
    device: Device | None,
    status: str,
    note: str,
    submission_key: uuid.UUID,
    description: str = "",
    request=None,
) -> Incident:
    """Report a device lost or stolen in one step (P4): the incident is reported with the
    reporter's words, the device (when it is on the register) is marked missing with the
    incident's reference, and the DPO and the SIRO are alerted at once by e-mail.

    A device not on the register is named by `description`. The same form sent twice finds the
    incident it already made.
    """
    if status not in MISSING:
        raise ValueError(f"not a missing status: {status!r}")
    if device is None and not description.strip():
        raise ValidationError({"description": "Say what the device is."})
    with transaction.atomic():
        # The order incident_report locks in: the school (its references), then the device.
        School.objects.select_for_update(no_key=True).only("pk").get(pk=school.pk)
        existing = Incident.objects.filter(school=school, submission_key=submission_key).first()
        if existing is not None and existing.reporter_id == actor.pk:
            return existing
        if device is not None:
            device = Device.objects.select_for_update(no_key=True).get(pk=device.pk, school=school)
            _check_may_go_missing(device)
        data = {
            "kind": INCIDENT_KINDS[status],
            "what_happened": note,
            "discovered_at": timezone.now(),
            "device": device,
            "system_or_asset": "" if device is not None else description.strip(),
        }
        incident, _ = incidents.incident_report(
            actor=actor, school=school, data=data, submission_key=submission_key, request=request
        )
        if device is not None:
            device.refresh_from_db()
            _alert_missing(device, school, actor, note, incident)
    return incident


def reported_with(actor, school, key: str) -> Incident | None:
    """The incident this user already reported with the form's key: a form sent twice."""
    try:
        key = uuid.UUID((key or "")[:36])
    except ValueError:
        return None
    found = Incident.objects.filter(school=school, submission_key=key, reporter=actor)
    return found.only("pk", "school_id").first()


def _check_may_go_missing(device: Device) -> None:
    if device.status in MISSING:
        when = (
            timezone.localtime(device.reported_missing_at) if device.reported_missing_at else None
        )
        raise ValidationError(
            f"This device was already reported {device.get_status_display().lower()}"
            + (f" on {long_datetime(when)}." if when else ".")
        )
    if device.status == Status.DISPOSED:
        raise ValidationError("This device was disposed of: it cannot go missing.")


def _officers(school) -> list[Membership]:
    """The DPO and the SIRO; if the school has named neither, its IT leads, so someone hears."""
    members = Membership.objects.active().filter(school=school).select_related("user")
    officers = list(members.filter(Q(is_dpo=True) | Q(is_siro=True)))
    return officers or list(members.filter(is_it_lead=True))


def _alert_missing(device: Device, school, actor, note: str, incident: Incident) -> None:
    at = timezone.localtime(device.reported_missing_at)
    clock = at + dt.timedelta(hours=72)
    what = device.get_status_display().lower()
    link = settings.SITE_URL + reverse(
        "device-detail", kwargs={"school": school.slug, "pk": device.pk}
    )
    reporter = f"{actor.get_full_name() or actor.email} ({actor.email})"
    incident_link = settings.SITE_URL + reverse(
        "incident-detail", kwargs={"school": school.slug, "pk": incident.pk}
    )
    follow_up = (
        f"It is reported in the incidents register as {incident.reference}, to assess and "
        f"decide on: {incident_link}"
    )
    facts = [
        f"Device: {device}, {device.get_kind_display().lower()}",
        f"Asset tag: {device.asset_tag or 'none'}; serial: {device.serial or 'none'}",
        f"Holds personal data: {'yes' if device.holds_personal_data else 'no'}; "
        f"encrypted: {'yes' if device.encrypted else 'no'}",
        f"Reported by {reporter} on {long_datetime(at)}",
    ]
    if note.strip():
        facts.append(f"What happened: {note.strip()}")
    for membership in _officers(school):
        user = membership.user
        mail_queue(
            to=user.email,
            subject=f"Device reported {what} at {school.name}",
            body=(
                f"Hello {user.first_name or user.email},\n\n"
                f"A device has been reported {what} at {school.name}.\n\n"
                + "\n".join(f"- {line}" for line in facts)
                + "\n\nThe policy asks for incidents like this to be reported at once (P4). "
                "If the device held personal data this may be a personal data breach: the 72 "
                f"hours for reporting it to the ICO may have started, and would end on "
                f"{long_datetime(clock)}.\n\n" + follow_up + f"\n\nThe device: {link}\n"
            ),
            dedupe_key=f"device-missing:{device.pk}:{at:%Y%m%d%H%M%S}:{user.pk}",
            school=school,
        )


# ---- reminders and My tasks ----------------------------------------------------------------


@provider
def equipment_tasks(user, memberships):
    """For IT leads and SIROs: locations due a check and devices that break a rule; three
    queries, whatever the number of schools and devices."""
    schools = [m.school for m in memberships if m.roles & CHASED_ROLES]
    if not schools:
        return []
    today = timezone.localdate()
    periods = School.objects.filter(pk__in=[s.pk for s in schools]).annotate(
        days=Subquery(
            EquipmentSettings.objects.filter(school=OuterRef("pk")).values("location_check_days")
        ),
        years=Subquery(
            PeopleSettings.objects.filter(school=OuterRef("pk")).values("dbs_recheck_years")
        ),
    )
    periods = {row[0]: row[1:] for row in periods.values_list("pk", "days", "years")}
    due = checks_due_by_school(schools, today, {pk: p[0] for pk, p in periods.items()})
    broken_counts = problems_by_school(schools, today, {pk: p[1] for pk, p in periods.items()})
    tasks = []
    for school in schools:
        if n := due.get(school.pk):
            url = reverse("location-list", kwargs={"school": school.slug})
            tasks.append(
                Task(
                    f"Check the locks at {school.name}: {n} "
                    f"{'location is' if n == 1 else 'locations are'} due a check",
                    f"{url}?status=due",
                    school=school,
                    due=today,
                )
            )
        if n := sum(broken_counts[school.pk].values()):
            url = reverse("device-list", kwargs={"school": school.slug})
            tasks.append(
                Task(
                    f"Put right {n} equipment {'problem' if n == 1 else 'problems'} at "
                    f"{school.name} (encryption, locked server rooms, DBS-checked server "
                    "managers)",
                    f"{url}?problem=any",
                    school=school,
                )
            )
    return tasks
