"""Computed evidence from the equipment register: encryption (T3), OTP tokens (T6), locations
(T10), servers (T11), backups (T12, T13) and disposal (T14, T15).

Each evaluator answers for many schools in a fixed few queries (grouped by school in SQL).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.urls import reverse

from bastion.controls.registry import (
    ATTENTION,
    MET,
    OVERDUE,
    Action,
    Evidence,
    computed,
    shared,
)
from bastion.equipment.backups import ON_SITE_MEDIA, restore_cutoff, restore_overdue
from bastion.equipment.devices import problems_by_school as _problems_by_school
from bastion.equipment.locations import GONE, checks_due_by_school
from bastion.equipment.models import (
    BackupSet,
    Contractor,
    Device,
    DisposalBatch,
    DisposalItem,
    EquipmentSettings,
    Loan,
    Location,
    RestoreTest,
)
from bastion.lib.text import plural

DEFAULT_RESTORE_DAYS = EquipmentSettings._meta.get_field("restore_test_days").default


# The device rules' counts, read by T3 and T11 alike.
problems_by_school = shared(_problems_by_school)


def _url(name: str, school, query: str = "") -> str:
    return reverse(name, kwargs={"school": school.slug}) + (f"?{query}" if query else "")


@computed("T3", "Encrypted portable devices")
def encrypted_portables(schools, today):
    counts = problems_by_school(schools, today)
    result = {}
    for school in schools:
        n = counts[school.pk]["unencrypted"]
        if n:
            text = plural(n, "portable device") + " holding personal data not encrypted"
            action = Action(text, _url("device-list", school, "problem=unencrypted"), n)
            summary = f"{text}: flash drives, laptops and tablets that leave school are encrypted."
            result[school.pk] = Evidence(ATTENTION, summary, (action,), value=0.0)
        else:
            summary = "Every portable device holding personal data is encrypted."
            result[school.pk] = Evidence(MET, summary, value=1.0)
    return result


@shared
def _kept_devices(schools, today) -> dict[int, dict[str, int]]:
    """Counts of the devices still held, by school: OTP tokens (and those not issued to a
    named person who is still here) and servers; one query."""
    otp = Q(kind=Device.Kind.OTP_TOKEN)
    unissued = Q(assigned_to__isnull=True) | Q(assigned_to__left_on__lte=today)
    rows = (
        Device.objects.filter(
            school__in=schools, kind__in=[Device.Kind.OTP_TOKEN, Device.Kind.SERVER]
        )
        .exclude(status__in=GONE)
        .values("school")
        .annotate(
            tokens=Count("pk", filter=otp),
            unissued=Count("pk", filter=otp & unissued),
            servers=Count("pk", filter=Q(kind=Device.Kind.SERVER)),
        )
        .order_by()
    )
    counts = {row.pop("school"): row for row in rows}
    empty = {"tokens": 0, "unissued": 0, "servers": 0}
    return {school.pk: counts.get(school.pk, empty) for school in schools}


@computed("T6", "Admissions OTP tokens")
def otp_tokens(schools, today):
    """Tokens in the register, and those not issued to a named person who is still here."""
    counts = _kept_devices(schools, today)
    result = {}
    for school in schools:
        total, unissued = counts[school.pk]["tokens"], counts[school.pk]["unissued"]
        url = _url("device-list", school, "kind=otp_token")
        if not total:
            summary = "No admissions one-time-password token is recorded."
            action = Action("Record the admissions OTP tokens and who holds each", url)
            result[school.pk] = Evidence(ATTENTION, summary, (action,))
        elif unissued:
            text = plural(unissued, "OTP token") + " not issued to a named member of staff"
            summary = f"{text} (of {total})."
            result[school.pk] = Evidence(
                ATTENTION, summary, (Action(text, url, unissued),), (total - unissued) / total
            )
        else:
            summary = (
                "The OTP token is issued to a named person."
                if total == 1
                else f"All {total} OTP tokens are issued to named people."
            )
            result[school.pk] = Evidence(MET, summary, value=1.0)
    return result


@computed("T10", "Lockable storage and its checks")
def locations_checked(schools, today):
    """Places for sensitive paper (lockable?) and lock checks in date; three queries."""
    rows = (
        Location.objects.filter(school__in=schools, archived=False, for_paper_records=True)
        .values("school")
        .annotate(paper=Count("pk"), unlockable=Count("pk", filter=Q(lockable=False)))
        .order_by()
    )
    paper = {row["school"]: (row["paper"], row["unlockable"]) for row in rows}
    due = checks_due_by_school(schools, today)
    result = {}
    for school in schools:
        places, unlockable = paper.get(school.pk, (0, 0))
        url = _url("location-list", school)
        actions = []
        if not places:
            actions.append(Action("Record where sensitive paper records are kept", url))
        if unlockable:
            text = plural(unlockable, "place") + " holding sensitive paper not lockable"
            actions.append(Action(text, url, unlockable))
        if n := due.get(school.pk):
            text = plural(n, "lock check") + " overdue"
            actions.append(Action(text, _url("location-list", school, "status=due"), n))
        if due.get(school.pk):
            status = OVERDUE
        elif actions:
            status = ATTENTION
        else:
            status = MET
        summary = (
            f"{plural(places, 'place')} for sensitive paper, {unlockable} not lockable; "
            f"{plural(due.get(school.pk, 0), 'lockable place')} due a check."
        )
        result[school.pk] = Evidence(status, summary, tuple(actions))
    return result


@computed("T11", "Servers locked away, managed by DBS-checked staff")
def servers(schools, today):
    counts = problems_by_school(schools, today)
    totals = _kept_devices(schools, today)
    result = {}
    for school in schools:
        total = totals[school.pk]["servers"]
        unlocked = counts[school.pk]["server_unlocked"]
        unchecked = counts[school.pk]["manager_unchecked"]
        actions = []
        if unlocked:
            text = plural(unlocked, "server") + " not in a lockable place"
            query = "problem=server_unlocked"
            actions.append(Action(text, _url("device-list", school, query), unlocked))
        if unchecked:
            text = plural(unchecked, "server") + " whose manager lacks a clear SCR check"
            query = "problem=manager_unchecked"
            actions.append(Action(text, _url("device-list", school, query), unchecked))
        if not total:
            summary = "No server is recorded."
            result[school.pk] = Evidence(MET, summary)
        elif actions:
            summary = f"{plural(total, 'server')}: {'; '.join(a.text for a in actions)}."
            result[school.pk] = Evidence(ATTENTION, summary, tuple(actions))
        else:
            summary = (
                f"{plural(total, 'server')}, all locked away and managed by DBS-checked staff."
            )
            result[school.pk] = Evidence(MET, summary, value=1.0)
    return result


# Backups (T12, T13) ------------------------------------------------------------------------------


@shared
def _backup_sets(schools) -> dict[int, list[BackupSet]]:
    """Active sets of each school with `last_restored` and `period`; one query."""
    last = RestoreTest.objects.filter(
        backup_set=OuterRef("pk"), result=RestoreTest.Result.SUCCESS
    ).order_by("-tested_on")
    period = EquipmentSettings.objects.filter(school=OuterRef("school")).values(
        "restore_test_days"
    )[:1]
    sets = (
        BackupSet.objects.filter(school__in=schools, active=True)
        .select_related("location")
        .annotate(last_restored=Subquery(last.values("tested_on")[:1]), period=Subquery(period))
        .order_by("name", "pk")
    )
    found = defaultdict(list)
    for backup_set in sets:
        found[backup_set.school_id].append(backup_set)
    return found


def _overdue(backup_set: BackupSet, today: dt.date) -> bool:
    cutoff = restore_cutoff(backup_set.period or DEFAULT_RESTORE_DAYS, today)
    return restore_overdue(backup_set.last_restored, cutoff)


@computed("T12", "Backups: encrypted, fire-proof, restore-tested")
def backups_kept(schools, today):
    found = _backup_sets(schools)
    result = {}
    for school in schools:
        sets = found.get(school.pk, [])
        url = _url("backup-list", school)
        if not sets:
            action = Action("Record the school's backups", url)
            summary = "No backup is recorded."
            result[school.pk] = Evidence(ATTENTION, summary, (action,), value=0.0)
            continue
        unencrypted = [s for s in sets if not s.encrypted]
        on_site = [s for s in sets if s.medium in ON_SITE_MEDIA]
        unsafe = [
            s
            for s in on_site
            if s.off_site
            or s.location is None
            or not s.location.fire_proof
            or s.location.is_off_site
        ]
        overdue = [s for s in sets if _overdue(s, today)]
        actions = []
        if overdue:
            text = f"Restore test overdue: {', '.join(s.name for s in overdue)}"
            actions.append(Action(text, url, len(overdue)))
        if unencrypted:
            text = plural(len(unencrypted), "backup set") + " not encrypted"
            actions.append(Action(text, url, len(unencrypted)))
        if unsafe:
            text = (
                plural(len(unsafe), "set")
                + " of tapes or disks not in a fire-proof place in school"
            )
            actions.append(Action(text, url, len(unsafe)))
        status = OVERDUE if overdue else ATTENTION if actions else MET
        in_date = len(sets) - len(overdue)
        summary = (
            f"{plural(len(sets), 'backup set')} in use: {len(sets) - len(unencrypted)} encrypted, "
            f"{in_date} with a restore test in date."
        )
        result[school.pk] = Evidence(status, summary, tuple(actions), in_date / len(sets))
    return result


@computed("T13", "Off-site backup")
def off_site_backup(schools, today):
    found = _backup_sets(schools)
    result = {}
    for school in schools:
        remote = [s for s in found.get(school.pk, []) if s.medium == BackupSet.Medium.CLOUD]
        url = _url("backup-list", school)
        if not remote:
            action = Action("Add a remote secure backup (a cloud / off-site service)", url)
            summary = "No off-site backup is recorded."
            result[school.pk] = Evidence(ATTENTION, summary, (action,), value=0.0)
            continue
        tested = [s for s in remote if not _overdue(s, today)]
        names = ", ".join(f"{s.name} ({s.provider})" if s.provider else s.name for s in remote)
        if tested:
            summary = f"Off site: {names}; a restore test is in date."
            result[school.pk] = Evidence(MET, summary, value=1.0, facts={"off_site": names})
        else:
            summary = f"Off site: {names}; no successful restore test in date."
            action = Action("Off-site backup: restore test overdue", url)
            result[school.pk] = Evidence(OVERDUE, summary, (action,), 0.0, {"off_site": names})
    return result


# Disposal (T14, T15) -----------------------------------------------------------------------------

_ITEM = DisposalItem.objects.filter(device=OuterRef("pk"))
_UNCERTIFIED = Q(certificate_number="") | Q(certificate__isnull=True)


def _disposal_figures(devices) -> dict:
    """Counts over `devices` (a Device queryset) by school: disposed of outside the register,
    and disposed with data but no certificate of secure deletion."""
    with_data = Q(holds_personal_data=True)
    uncertified = DisposalItem.objects.filter(device=OuterRef("pk")).filter(_UNCERTIFIED)
    rows = (
        devices.filter(status=Device.Status.DISPOSED)
        .values("school")
        .annotate(
            disposed=Count("pk"),
            outside=Count("pk", filter=~Q(Exists(_ITEM))),
            uncertified=Count("pk", filter=with_data & Q(Exists(uncertified))),
        )
        .order_by()
    )
    return {row["school"]: row for row in rows}


@computed("T14", "Secure disposal")
def disposals(schools, today):
    """Devices disposed of through an approved contractor with certificates; collected batches
    still open; an approved contractor on record. Three queries."""
    figures = _disposal_figures(Device.objects.filter(school__in=schools))
    open_batches = dict(
        DisposalBatch.objects.filter(
            school__in=schools,
            status=DisposalBatch.Status.OPEN,
            collected_on__lte=today,
        )
        .values("school")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("school", "n")
    )
    approved = dict(
        Contractor.objects.filter(school__in=schools, approved=True)
        .values("school")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("school", "n")
    )
    result = {}
    for school in schools:
        row = figures.get(school.pk, {"disposed": 0, "outside": 0, "uncertified": 0})
        url = _url("disposal-list", school)
        actions = []
        if not approved.get(school.pk):
            actions.append(
                Action("Record an approved disposal company", _url("contractor-list", school))
            )
        if n := row["outside"]:
            actions.append(
                Action(plural(n, "device") + " disposed of outside the register", url, n)
            )
        if n := row["uncertified"]:
            text = plural(n, "device") + " that held data disposed of without a certificate"
            actions.append(Action(text, url, n))
        if n := open_batches.get(school.pk):
            text = plural(n, "collected disposal") + " waiting for certificates to be completed"
            actions.append(Action(text, url, n))
        summary = (
            f"{plural(row['disposed'], 'device')} disposed of; "
            f"{approved.get(school.pk, 0)} approved disposal compan"
            f"{'y' if approved.get(school.pk, 0) == 1 else 'ies'}."
        )
        status = ATTENTION if actions else MET
        result[school.pk] = Evidence(status, summary, tuple(actions))
    return result


@computed("T15", "Loaned equipment disposed of the same way")
def loaned_disposals(schools, today):
    """Devices ever lent out that were disposed of: through the register, with certificates
    where they held data; one query."""
    loaned = Device.objects.filter(school__in=schools).filter(
        Exists(Loan.objects.filter(device=OuterRef("pk")))
    )
    figures = _disposal_figures(loaned)
    result = {}
    for school in schools:
        row = figures.get(school.pk, {"disposed": 0, "outside": 0, "uncertified": 0})
        url = _url("disposal-list", school)
        actions = []
        if n := row["outside"]:
            text = plural(n, "loaned device") + " disposed of outside the register"
            actions.append(Action(text, url, n))
        if n := row["uncertified"]:
            text = plural(n, "loaned device") + " that held data disposed of without a certificate"
            actions.append(Action(text, url, n))
        disposed = row["disposed"]
        if actions:
            found = "; ".join(a.text for a in actions)
            summary = f"Of {plural(disposed, 'loaned device')} disposed of: {found}."
            result[school.pk] = Evidence(ATTENTION, summary, tuple(actions))
        else:
            summary = (
                f"{plural(disposed, 'loaned device')} disposed of, "
                "each through the disposal register."
                if disposed
                else "No loaned device has been disposed of."
            )
            result[school.pk] = Evidence(MET, summary)
    return result
