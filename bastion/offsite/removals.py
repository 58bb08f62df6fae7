"""Off-site removals (P12, T3): request, approve, close; chase the ones not back in time.

The flow: a member of staff asks to take data home (or the SIRO / DPO records it for them, and
it is approved at once); the SIRO or the DPO approves or declines; when the data is back in
school, or the copy destroyed, the removal is closed. Only encrypted media are accepted, a
removal lasts at most MAX_DAYS, and nobody approves their own removal.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bastion.core import audit
from bastion.core.models import Membership
from bastion.equipment.models import Device
from bastion.lib.dates import long_date
from bastion.lib.db import retry_conflicts
from bastion.notify.models import OutboxMessage
from bastion.notify.mytasks import Task, provider
from bastion.notify.schedule import job
from bastion.notify.services import mail_queue
from bastion.offsite.models import Removal
from bastion.people.models import Kind, Person

Status = Removal.Status
FIELDS = ("person", "what", "why", "device", "medium", "medium_encrypted", "taken_on", "due_on")
FIELDS += ("status", "decision_note", "closed_on", "close_note")
MAX_DAYS = 30  # the policy limits removal: data comes back (or is destroyed) within a month
CHASE_EVERY = 3  # days between two reminders about the same overdue removal
DUE_SOON = 3  # My tasks shows a removal this many days before it is due back
UNUSABLE = {
    Device.Status.LOST: "it is recorded as lost",
    Device.Status.STOLEN: "it is recorded as stolen",
    Device.Status.AWAITING_DISPOSAL: "it is awaiting secure disposal",
    Device.Status.DISPOSED: "it has been disposed of",
}
UNENCRYPTED_DEVICE = (
    "{device} is not encrypted, so no sensitive data may leave school on it (policy P12, T3). "
    "Choose an encrypted device, or use the school's remote access instead."
)
UNENCRYPTED_MEDIUM = (
    "Sensitive data may leave school only on an encrypted medium (policy P12, T3). Use an "
    "encrypted one and confirm it, or use the school's remote access instead."
)
NOT_PORTABLE = (
    "{device} is not a portable device or medium: choose a laptop, tablet or flash drive."
)
BACKUP_MEDIUM = "Backup tapes and disks never leave the site (policy T12)."
ONE_MEDIUM = "Choose an encrypted device from the register, or describe the encrypted medium."
NOT_BOTH = "Choose a device from the register or describe another medium, not both."
NOT_STAFF = "Choose a current member of staff of this school."
TOO_LONG = f"Data may stay off site for at most {MAX_DAYS} days: choose an earlier date."
OWN_APPROVAL = "You cannot approve your own removal: the other of the SIRO and the DPO decides."


def overdue_q(today: dt.date | None = None) -> Q:
    return Q(status=Status.APPROVED, due_on__lt=today or timezone.localdate())


def medium_problems(school, device: Device | None, medium: str, encrypted: bool) -> dict:
    """Why this medium may not carry sensitive data off site: {field: [reasons]}."""
    problems: dict[str, list[str]] = defaultdict(list)
    if device is None and not medium:
        problems["device"].append(ONE_MEDIUM)
    elif device is not None and medium:
        problems["medium"].append(NOT_BOTH)
    elif device is not None:
        if device.school_id != school.pk:
            problems["device"].append("Choose a device of this school.")
        elif device.is_backup_medium:
            problems["device"].append(BACKUP_MEDIUM)
        elif not device.is_portable:
            problems["device"].append(NOT_PORTABLE.format(device=device))
        elif not device.encrypted:
            problems["device"].append(UNENCRYPTED_DEVICE.format(device=device))
        elif device.status in UNUSABLE:
            problems["device"].append(f"{device} cannot be used: {UNUSABLE[device.status]}.")
    elif not encrypted:
        problems["medium_encrypted"].append(UNENCRYPTED_MEDIUM)
    return dict(problems)


def removal_problems(school, data: dict) -> dict:
    """Every rule a removal breaks, by form field; empty when it may go ahead."""
    device, medium = data.get("device"), (data.get("medium") or "").strip()
    problems = defaultdict(
        list, medium_problems(school, device, medium, data.get("medium_encrypted"))
    )
    person = data.get("person")
    if person is None or not (
        person.school_id == school.pk and person.kind == Kind.STAFF and person.is_current
    ):
        problems["person"].append(NOT_STAFF)
    taken_on, due_on = data.get("taken_on"), data.get("due_on")
    if taken_on and due_on:
        if due_on < taken_on:
            problems["due_on"].append("The due date cannot be before the day it leaves school.")
        elif (due_on - taken_on).days > MAX_DAYS:
            problems["due_on"].append(TOO_LONG)
    return dict(problems)


def may_approve(user, school) -> bool:
    from bastion.core.permissions import can

    return can(user, school, "offsite.approve")


def _own(removal: Removal, user) -> bool:
    return removal.person.user_id is not None and removal.person.user_id == user.pk


def removal_request(*, actor, school, data: dict, request=None) -> Removal:
    """Ask to take data off site. A SIRO or DPO recording it for someone else approves it at
    once; a request for oneself waits for the other officer. Refused on unencrypted media."""
    if problems := removal_problems(school, data):
        raise ValidationError(problems)
    removal = Removal(
        school=school,
        requested_by=actor,
        medium=(data.get("medium") or "").strip(),
        **{k: data[k] for k in ("person", "what", "why", "device", "taken_on", "due_on")},
    )
    removal.medium_encrypted = bool(data.get("medium_encrypted")) if removal.medium else False
    if may_approve(actor, school) and not _own(removal, actor):
        removal.status = Status.APPROVED
        removal.decided_by, removal.decided_at = actor, timezone.now()
    with transaction.atomic():
        removal.save()
        audit.record(
            "offsite.requested" if removal.status == Status.REQUESTED else "offsite.recorded",
            actor=actor,
            school=school,
            obj=removal,
            request=request,
            changes=audit.diff({}, audit.snapshot(removal, FIELDS)),
        )
        if removal.status == Status.REQUESTED:
            _tell_approvers(removal)
    return removal


@retry_conflicts
def removal_decide(
    *, actor, school, removal: Removal, approve: bool, note: str = "", request=None
) -> Removal:
    """The SIRO or the DPO approves or declines a request (never their own)."""
    with transaction.atomic():
        removal = (
            Removal.objects.select_for_update(no_key=True)
            .select_related("person")
            .get(pk=removal.pk, school=school)
        )
        if removal.status != Status.REQUESTED:
            raise ValidationError(
                f"This removal was already {removal.get_status_display().lower()}."
            )
        if _own(removal, actor):
            raise ValidationError(OWN_APPROVAL)
        if approve and (
            problems := medium_problems(
                school, removal.device, removal.medium, removal.medium_encrypted
            )
        ):
            raise ValidationError([m for messages in problems.values() for m in messages])
        before = audit.snapshot(removal, FIELDS)
        removal.status = Status.APPROVED if approve else Status.DECLINED
        removal.decided_by, removal.decided_at = actor, timezone.now()
        removal.decision_note = note.strip()
        removal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit.record(
            "offsite.approved" if approve else "offsite.declined",
            actor=actor,
            school=school,
            obj=removal,
            request=request,
            changes=audit.diff(before, audit.snapshot(removal, FIELDS)),
        )
    return removal


@retry_conflicts
def removal_close(
    *,
    actor,
    school,
    removal: Removal,
    outcome: str,
    closed_on: dt.date,
    note: str = "",
    request=None,
) -> Removal:
    """Record that the data came back to school, or that the copy taken away was destroyed."""
    if outcome not in Removal.CLOSED:
        raise ValidationError({"outcome": "Choose whether the data came back or was destroyed."})
    with transaction.atomic():
        removal = Removal.objects.select_for_update(no_key=True).get(pk=removal.pk, school=school)
        if removal.status != Status.APPROVED:
            raise ValidationError(
                f"Only data that is off site can be returned; this removal is "
                f"{removal.get_status_display().lower()}."
            )
        if closed_on < removal.taken_on:
            raise ValidationError(
                {"closed_on": f"It cannot be back before it left ({long_date(removal.taken_on)})."}
            )
        if closed_on > timezone.localdate():
            raise ValidationError({"closed_on": "The date cannot be in the future."})
        before = audit.snapshot(removal, FIELDS)
        removal.status, removal.closed_on = outcome, closed_on
        removal.closed_by, removal.close_note = actor, note.strip()
        removal.save(update_fields=["status", "closed_on", "closed_by", "close_note"])
        audit.record(
            f"offsite.{outcome}",
            actor=actor,
            school=school,
            obj=removal,
            request=request,
            changes=audit.diff(before, audit.snapshot(removal, FIELDS)),
        )
    return removal


# Mail --------------------------------------------------------------------------------------------


def _link(school) -> str:
    return f"{settings.SITE_URL}{reverse('offsite-list', kwargs={'school': school.slug})}"


def _approvers(school_ids) -> dict[int, list]:
    found: dict[int, list] = defaultdict(list)
    memberships = (
        Membership.objects.active()
        .filter(school_id__in=school_ids)
        .filter(Q(is_siro=True) | Q(is_dpo=True))
        .select_related("user")
        .order_by("pk")
    )
    for m in memberships:
        found[m.school_id].append(m.user)
    return found


def _tell_approvers(removal: Removal) -> None:
    school = removal.school
    for user in _approvers([school.pk])[school.pk]:
        if user.pk == removal.person.user_id:
            continue
        # No names or data in e-mail: the link shows them to those allowed to see.
        mail_queue(
            to=user.email,
            subject=f"A request to take data off site at {school.name}",
            body=(
                f"Hello {user.first_name or user.email},\n\n"
                f"A member of staff asks to take data off site from {long_date(removal.taken_on)} "
                f"to {long_date(removal.due_on)}. Please approve or decline it:\n{_link(school)}\n"
            ),
            dedupe_key=f"offsite-request:{removal.pk}:user{user.pk}",
            school=school,
        )


def _reminders(removal: Removal, today: dt.date) -> list[dict]:
    days = (today - removal.due_on).days
    bucket = (days - 1) // CHASE_EVERY
    school = removal.school
    late = f"{days} day{'s' if days != 1 else ''} overdue"
    messages = []
    person = removal.person
    to = person.email or (person.user.email if person.user else "")
    if to:
        messages.append(
            {
                "to": to,
                "dedupe_key": f"offsite-overdue:{removal.pk}:person:b{bucket}",
                "subject": f"Please bring back the data you took off site from {school.name}",
                "body": (
                    f"Hello {person.first_name},\n\n"
                    f"The data you took off site on {long_date(removal.taken_on)} was due back on "
                    f"{long_date(removal.due_on)} ({late}).\n\n"
                    "Bring it back to school, or destroy the copy you took, and record it:\n"
                    f"{_link(school)}\n"
                ),
            }
        )
    if removal.decided_by and removal.decided_by.email != to:
        user = removal.decided_by
        messages.append(
            {
                "to": user.email,
                "dedupe_key": f"offsite-overdue:{removal.pk}:user{user.pk}:b{bucket}",
                "subject": f"Data off site is overdue at {school.name}",
                "body": (
                    f"Hello {user.first_name or user.email},\n\n"
                    f"Data you approved to leave school on {long_date(removal.taken_on)} was due "
                    f"back on {long_date(removal.due_on)} ({late}).\n\n"
                    f"See the removals off site: {_link(school)}?show=overdue\n"
                ),
            }
        )
    return messages


@job("offsite-chasers", every=dt.timedelta(hours=1))
def offsite_chasers() -> str:
    """Chase data still off site after its due date: the person who took it and the officer
    who approved it, once every CHASE_EVERY days per removal."""
    today = timezone.localdate()
    removals = (
        Removal.objects.filter(overdue_q(today))
        .select_related("school", "person__user", "decided_by")
        .order_by("school_id", "due_on", "pk")
    )
    planned = [(r, m) for r in removals for m in _reminders(r, today)]
    keys = [m["dedupe_key"] for _, m in planned]
    already: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        already |= set(
            OutboxMessage.objects.filter(dedupe_key__in=chunk).values_list("dedupe_key", flat=True)
        )
    queued = 0
    for removal, message in planned:
        if message["dedupe_key"] not in already:
            queued += mail_queue(school=removal.school, **message) is not None
    return f"queued {queued}"


# My tasks ----------------------------------------------------------------------------------------


@provider
def offsite_tasks(user, memberships):
    """One query for both: data the user took off site that is due back within DUE_SOON days
    (or overdue), and, for the SIRO and the DPO, requests waiting for them (not their own)."""
    if not memberships:
        return []
    today = timezone.localdate()
    officer_of = [m.school for m in memberships if m.is_siro or m.is_dpo]
    mine = Q(
        person__user=user,
        school__in=[m.school for m in memberships],
        status=Status.APPROVED,
        due_on__lte=today + dt.timedelta(days=DUE_SOON),
    )
    waiting = Q(school__in=officer_of, status=Status.REQUESTED) & ~Q(person__user=user)
    rows = (
        Removal.objects.filter(mine | waiting if officer_of else mine)
        .select_related("school", "person")
        .order_by("due_on", "pk")
    )
    tasks, requests = [], defaultdict(list)
    for r in rows:
        if r.status == Status.REQUESTED:
            requests[r.school_id].append(r)
            continue
        tasks.append(
            Task(
                f"Bring back or destroy the data you took off site: {r.what}"
                + (" (overdue)" if r.due_on < today else ""),
                reverse("offsite-list", kwargs={"school": r.school.slug}),
                school=r.school,
                due=r.due_on,
                urgent=r.due_on < today,
            )
        )
    for school in sorted(officer_of, key=lambda s: s.name):
        if found := requests.get(school.pk):
            n, first = len(found), min(r.taken_on for r in found)
            url = reverse("offsite-list", kwargs={"school": school.slug}) + "?show=requested"
            tasks.append(
                Task(
                    f"Approve or decline {n} request{'s' if n != 1 else ''} to take data off "
                    f"site at {school.name}",
                    url,
                    school=school,
                    due=first,
                    urgent=first <= today,
                )
            )
    return tasks


def remote_access_systems(school):
    """The approved alternative to taking data home: the school's remote-access systems."""
    from bastion.systems.models import Kind as SystemKind
    from bastion.systems.models import System

    return System.objects.filter(
        school=school, kind=SystemKind.REMOTE_ACCESS, archived=False
    ).order_by("name", "pk")


def person_for(user, school) -> Person | None:
    """The user's own staff record in this school, if they have one."""
    return (
        Person.objects.for_school(school)
        .current()
        .filter(user=user, kind=Kind.STAFF)
        .order_by("pk")
        .first()
    )
