"""Backups (T12, T13): backup sets, restore tests, the DfE "3-2-1" standard, and chasing.

Tapes and disks stay on site, in a fire-proof place; the off-site copy is a cloud / off-site
service. Every active set needs a successful restore test within the school's period.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from bastion.core import audit
from bastion.core.models import Membership
from bastion.equipment.models import BackupSet, Device, EquipmentSettings, RestoreTest
from bastion.lib.db import retry_conflicts
from bastion.notify.mytasks import Task, provider
from bastion.notify.schedule import job
from bastion.notify.services import mail_queue

Medium = BackupSet.Medium
ON_SITE_MEDIA = frozenset({Medium.TAPE, Medium.DISK})
DEVICE_KIND = {Medium.TAPE: Device.Kind.BACKUP_TAPE, Medium.DISK: Device.Kind.BACKUP_DISK}
SET_FIELDS = ("name", "covers", "medium", "schedule", "encrypted", "provider", "location")
SET_FIELDS += ("off_site", "active")
TEST_FIELDS = ("backup_set", "tested_on", "restored", "result", "note")
SETTINGS_FIELDS = ("restore_test_days",)
OFF_SITE_REFUSED = (
    "Backup tapes and disks never leave the site (policy T12: back-up media never leave site "
    "on mobile devices). Record the off-site copy as a cloud / off-site service."
)


def equipment_settings(school) -> EquipmentSettings:
    """The school's equipment settings, or the defaults when it has never changed them."""
    return EquipmentSettings.objects.filter(school=school).first() or EquipmentSettings(
        school=school
    )


def restore_cutoff(days: int, today: dt.date | None = None) -> dt.date:
    """A successful restore test on or after this date is recent enough."""
    return (today or timezone.localdate()) - dt.timedelta(days=days)


def _last_success() -> Subquery:
    """The date of a set's last successful restore test (the restore_recent index serves it)."""
    tests = RestoreTest.objects.filter(backup_set=OuterRef("pk"), result=RestoreTest.Result.SUCCESS)
    return Subquery(tests.order_by("-tested_on").values("tested_on")[:1])


def backup_sets(school) -> QuerySet[BackupSet]:
    """The school's sets, active first, each with `last_restored` (the last successful test)."""
    return (
        BackupSet.objects.filter(school=school)
        .select_related("location")
        .annotate(last_restored=_last_success())
        .order_by("-active", "name", "id")
    )


def restore_overdue(last_restored: dt.date | None, cutoff: dt.date) -> bool:
    return last_restored is None or last_restored < cutoff


def flags(backup_set: BackupSet, period: int, today: dt.date | None = None) -> list[str]:
    """What needs attention on an active set, given the school's restore-test period in days
    (the set needs `last_restored`: see `backup_sets`)."""
    if not backup_set.active:
        return []
    found = []
    if not backup_set.encrypted:
        found.append("Not encrypted: backups must be encrypted (T12).")
    if backup_set.medium in ON_SITE_MEDIA:
        location = backup_set.location
        if backup_set.off_site or (location and location.is_off_site):
            found.append("Marked as off site: backup tapes and disks never leave the site (T12).")
        if location is None:
            found.append("No location recorded: keep the media in a fire-proof place (T12).")
        elif not location.fire_proof:
            found.append(f"Kept in {location}, which is not fire-proof (T12).")
    last = backup_set.last_restored
    if last is None:
        found.append("Never restored in a test: test that the backup can be restored.")
    elif last < restore_cutoff(period, today):
        found.append(
            f"No successful restore test since {last.day} {last:%B %Y}: one is due at least "
            f"every {period} days."
        )
    return found


# The DfE standard: at least three backups, on two kinds of media, one off site ------------------


@dataclass(frozen=True)
class Part:
    met: bool
    reason: str


@dataclass(frozen=True)
class ThreeTwoOne:
    copies: Part
    media: Part
    off_site: Part

    @property
    def met(self) -> bool:
        return self.copies.met and self.media.met and self.off_site.met

    @property
    def parts(self) -> list[tuple[str, Part]]:
        return [
            ("At least three backups", self.copies),
            ("On two kinds of media", self.media),
            ("One off site", self.off_site),
        ]


def _names(names: list[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)


def assess_three_two_one(active: list[tuple[str, str]]) -> ThreeTwoOne:
    """The standard for these (name, medium) pairs of active sets."""
    labels = dict(Medium.choices)
    n = len(active)
    if n >= 3:
        copies = Part(True, f"{n} backup sets are in use.")
    elif n == 0:
        copies = Part(False, "No backup set is in use: the standard asks for at least three.")
    else:
        are = "set is" if n == 1 else "sets are"
        copies = Part(False, f"Only {n} backup {are} in use: the standard asks for at least three.")
    kinds = sorted({medium for _, medium in active}, key=list(labels).index)
    kind_names = [labels[k].lower() for k in kinds]
    if len(kinds) >= 2:
        media = Part(True, f"Backups are on {_names(kind_names)}.")
    elif kinds:
        media = Part(False, f"Every backup is on {kind_names[0]}: add a second kind of medium.")
    else:
        media = Part(False, "There are no backups on any medium.")
    off = [name for name, medium in active if medium == Medium.CLOUD]
    if off:
        off_site = Part(True, f"Off site: {_names(off)}.")
    else:
        off_site = Part(
            False,
            "No copy is off site: add a cloud / off-site service (tapes and disks stay on site).",
        )
    return ThreeTwoOne(copies, media, off_site)


def three_two_one(school) -> ThreeTwoOne:
    """Does the school keep at least three backups, on two kinds of media, one off site? One
    query; each part says whether it is met and why."""
    active = list(
        BackupSet.objects.filter(school=school, active=True)
        .order_by("name", "id")
        .values_list("name", "medium")
    )
    return assess_three_two_one(active)


# Writes ------------------------------------------------------------------------------------------


def _set_problems(school, backup_set: BackupSet, media: list[Device]) -> dict:
    problems: dict[str, list[str]] = defaultdict(list)
    location = backup_set.location
    if location is not None and location.school_id != school.pk:
        problems["location"].append("Choose a location of this school.")
    if backup_set.medium in ON_SITE_MEDIA:
        if backup_set.off_site:
            problems["off_site"].append(OFF_SITE_REFUSED)
        if location is not None and location.is_off_site:
            problems["location"].append(
                "Backup tapes and disks are kept on site: choose a fire-proof place in school."
            )
        wrong = [d for d in media if d.kind != DEVICE_KIND[backup_set.medium]]
        if wrong:
            kind = Device.Kind(DEVICE_KIND[backup_set.medium]).label.lower()
            problems["media"].append(
                f"Choose only {kind}s for a {backup_set.medium} set: {wrong[0]} is not one."
            )
    else:
        if location is not None:
            problems["location"].append("A cloud / off-site service has no place in school.")
        if media:
            problems["media"].append("A cloud / off-site service has no tapes or disks.")
        if not backup_set.provider.strip():
            problems["provider"].append("Enter the cloud or off-site service used.")
    if any(d.school_id != school.pk for d in media):
        problems["media"].append("Choose tapes and disks of this school.")
    return dict(problems)


def _save_set(*, actor, school, backup_set: BackupSet, data: dict, action: str, request):
    with transaction.atomic():
        if backup_set.pk is not None:
            # A fresh, locked row: the caller's object is left as it was if this is refused.
            backup_set = BackupSet.objects.select_for_update(no_key=True).get(
                pk=backup_set.pk, school=school
            )
        created = backup_set.pk is None
        before = {} if created else audit.snapshot(backup_set, SET_FIELDS)
        media_before = [] if created else list(backup_set.media.order_by("pk"))
        media = list(data["media"]) if "media" in data else media_before
        for name in SET_FIELDS:
            if name in data:
                setattr(backup_set, name, data[name])
        if backup_set.medium == Medium.CLOUD:
            backup_set.off_site = True  # a cloud / off-site service is the off-site copy
        if problems := _set_problems(school, backup_set, media):
            raise ValidationError(problems)
        backup_set.full_clean(exclude=["school", "media"])
        changes = audit.diff(before, audit.snapshot(backup_set, SET_FIELDS))
        pks_before, pks_after = [d.pk for d in media_before], sorted(d.pk for d in media)
        if pks_after != pks_before:
            changes["media"] = [pks_before, pks_after]
        if not changes:
            return backup_set
        backup_set.save()
        backup_set.media.set(media)
        audit.record(
            action, actor=actor, school=school, obj=backup_set, request=request, changes=changes
        )
    return backup_set


@retry_conflicts
def backup_set_create(*, actor, school, data: dict, request=None) -> BackupSet:
    """Record a backup set; refused when tapes or disks would leave the site."""
    new = BackupSet(school=school)
    action = "backup_set.created"
    return _save_set(
        actor=actor, school=school, backup_set=new, data=data, action=action, request=request
    )


@retry_conflicts
def backup_set_update(*, actor, school, backup_set: BackupSet, data: dict, request=None):
    """Change a backup set (or retire it with active=False), with the same rules as creating."""
    if backup_set.school_id != school.pk:
        raise ValueError("the backup set belongs to another school")
    action = "backup_set.updated"
    return _save_set(
        actor=actor, school=school, backup_set=backup_set, data=data, action=action, request=request
    )


def restore_test_record(
    *, actor, school, backup_set: BackupSet, data: dict, request=None
) -> RestoreTest:
    """Log a restore test of a set: when, what was restored, the result, and who did it."""
    if backup_set.school_id != school.pk:
        raise ValueError("the backup set belongs to another school")
    test = RestoreTest(
        school=school,
        backup_set=backup_set,
        tested_by=actor,
        **{k: v for k, v in data.items() if k in TEST_FIELDS and k != "backup_set"},
    )
    if test.tested_on and test.tested_on > timezone.localdate():
        raise ValidationError({"tested_on": "The test date cannot be in the future."})
    test.full_clean(exclude=["school", "backup_set", "tested_by"])
    with transaction.atomic():
        test.save()
        audit.record(
            "restore_test.recorded",
            actor=actor,
            school=school,
            obj=test,
            object_repr=f"Restore test of {backup_set} on {test.tested_on}",
            request=request,
            changes=audit.diff({}, audit.snapshot(test, TEST_FIELDS)),
        )
    return test


@retry_conflicts
def equipment_settings_update(*, actor, school, data: dict, request=None) -> EquipmentSettings:
    """The school's restore-test period (the location-check period is locations.py's)."""
    with transaction.atomic():
        row, _ = EquipmentSettings.objects.select_for_update(no_key=True).get_or_create(
            school=school
        )
        before = audit.snapshot(row, SETTINGS_FIELDS)
        for name in SETTINGS_FIELDS:
            if name in data:
                setattr(row, name, data[name])
        row.full_clean(exclude=["school"])
        changes = audit.diff(before, audit.snapshot(row, SETTINGS_FIELDS))
        if changes:
            row.save(update_fields=list(SETTINGS_FIELDS))
            audit.record(
                "equipment.settings_changed",
                actor=actor,
                school=school,
                request=request,
                object_repr=f"Equipment settings of {school.name}",
                changes=changes,
            )
    return row


# Chasing restore tests ---------------------------------------------------------------------------


def overdue_sets(school_ids=None, today: dt.date | None = None) -> dict[int, list[BackupSet]]:
    """{school id: active sets with no successful restore test within the school's period}.

    One query: each set brings its last successful test and its school's period along.
    """
    today = today or timezone.localdate()
    default = EquipmentSettings._meta.get_field("restore_test_days").default
    period = EquipmentSettings.objects.filter(school=OuterRef("school")).values(
        "restore_test_days"
    )[:1]
    sets = (
        BackupSet.objects.filter(active=True)
        .annotate(last_restored=_last_success(), period=Coalesce(Subquery(period), default))
        .only("school_id", "name")
        .order_by("school_id", "name", "id")
    )
    if school_ids is not None:
        sets = sets.filter(school_id__in=school_ids)
    found: dict[int, list[BackupSet]] = defaultdict(list)
    for backup_set in sets:
        if restore_overdue(backup_set.last_restored, restore_cutoff(backup_set.period, today)):
            found[backup_set.school_id].append(backup_set)
    return dict(found)


@job("restore-test-chasers", every=dt.timedelta(hours=6))
def restore_test_chasers() -> str:
    """Once a week per school, while any backup set is overdue for a restore test, tell the
    IT lead and the SIRO which sets."""
    today = timezone.localdate()
    year, week, _ = today.isocalendar()
    overdue = overdue_sets(today=today)
    if not overdue:
        return "queued 0"
    recipients = (
        Membership.objects.active()
        .filter(school_id__in=overdue)
        .filter(Q(is_it_lead=True) | Q(is_siro=True))
        .select_related("user", "school")
        .order_by("school_id", "pk")
    )
    queued = 0
    for membership in recipients:
        school, user = membership.school, membership.user
        sets = overdue[school.pk]
        lines = "\n".join(
            f"- {s.name}: "
            + (
                f"last restored successfully on {s.last_restored.day} {s.last_restored:%B %Y}"
                if s.last_restored
                else "never restored in a test"
            )
            for s in sets
        )
        link = f"{settings.SITE_URL}{reverse('backup-list', kwargs={'school': school.slug})}"
        n = len(sets)
        message = mail_queue(
            to=user.email,
            subject=f"Backups: restore test{'s' if n != 1 else ''} due at {school.name}",
            body=(
                f"Hello {user.first_name or user.email},\n\n"
                f"{n} backup set{'s need' if n != 1 else ' needs'} a successful restore test "
                f"at {school.name}:\n{lines}\n\n"
                "A backup that has not been restored in a test may not restore when it is "
                f"needed.\n\nRecord a restore test: {link}\n"
            ),
            dedupe_key=f"restore-overdue:{school.pk}:{user.pk}:{year}-W{week:02d}",
            school=school,
        )
        queued += message is not None
    return f"queued {queued}"


@provider
def restore_tests_due(user, memberships):
    """Backup sets due a restore test, by school, for the IT lead and the SIRO; one query."""
    schools = [m.school for m in memberships if m.is_it_lead or m.is_siro]
    if not schools:
        return []
    overdue = overdue_sets([s.pk for s in schools])
    tasks = []
    for school in schools:
        if sets := overdue.get(school.pk):
            n = len(sets)
            tasks.append(
                Task(
                    f"Test-restore {n} backup set{'s' if n != 1 else ''} at {school.name}",
                    reverse("backup-list", kwargs={"school": school.slug}),
                    school=school,
                    urgent=True,
                )
            )
    return tasks
