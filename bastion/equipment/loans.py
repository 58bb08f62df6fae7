"""Loans (T15, P12, T3, T6): lend a device, take it back, chase the ones that are overdue.

Encrypted flash drives and one-time-password tokens are issued the same way; a token is held
for good (no due date). The rules that refuse a loan live in `lending_problems`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from bastion.core import audit
from bastion.core.models import Membership
from bastion.equipment.models import Device, Loan
from bastion.lib.dates import long_date
from bastion.lib.db import retry_conflicts
from bastion.notify.models import OutboxMessage
from bastion.notify.mytasks import Task, provider
from bastion.notify.schedule import job
from bastion.notify.services import mail_queue
from bastion.people.models import Kind, Person

Status = Device.Status
LOAN_FIELDS = (
    "device",
    "borrower",
    "out_on",
    "due_on",
    "condition_out",
    "returned_on",
    "condition_in",
)
BORROWER_KINDS = (Kind.STAFF, Kind.PUPIL)
# Where a returned device goes.
BACK_TO = (Status.IN_STORE, Status.IN_USE)
MISSING = (Status.LOST, Status.STOLEN)
NOT_LENDABLE = {
    Status.ON_LOAN: "it is already out on loan: record its return first",
    Status.LOST: "it is recorded as lost",
    Status.STOLEN: "it is recorded as stolen",
    Status.AWAITING_DISPOSAL: "it is awaiting secure disposal",
    Status.DISPOSED: "it has been disposed of",
}
BACKUP_MEDIA_REFUSED = (
    "Backup tapes and disks cannot be lent: back-up media never leave the site on mobile "
    "devices (policy T12)."
)
UNENCRYPTED_REFUSED = (
    "{device} holds personal data and is not encrypted, so it cannot be issued: sensitive data "
    "may leave the school only on encrypted media (policy P12, T3). Issue an encrypted one."
)
TOKEN_FOR_STAFF = "One-time-password tokens are issued to named members of staff."
TOKEN_NO_DUE = "A one-time-password token is held for good: leave the due date empty."
DUE_NEEDED = "Enter the date it is due back."
BORROWER_NOT_HERE = "Choose a current member of staff or pupil of this school."
CHASE_EVERY = 7  # days between two reminders about the same loan


def overdue_q(today: dt.date | None = None) -> Q:
    """Loans still out after their due date. A token (no due date) is never overdue, and a
    device reported lost or stolen is followed up as an incident, not chased for return."""
    late = Q(returned_on__isnull=True, due_on__lt=today or timezone.localdate())
    return late & ~Q(device__status__in=MISSING)


def lending_problems(device: Device, borrower: Person | None, due_on: dt.date | None) -> dict:
    """Why `device` may not be lent to `borrower`: {form field: [reasons]}, empty when it may."""
    problems: dict[str, list[str]] = defaultdict(list)
    if device.status in NOT_LENDABLE:
        problems["device"].append(f"{device} cannot be lent: {NOT_LENDABLE[device.status]}.")
    if device.is_backup_medium:
        problems["device"].append(BACKUP_MEDIA_REFUSED)
    elif device.unencrypted_portable:
        problems["device"].append(UNENCRYPTED_REFUSED.format(device=device))
    is_token = device.kind == Device.Kind.OTP_TOKEN
    if borrower is not None:
        here = borrower.school_id == device.school_id and borrower.is_current
        if not here or borrower.kind not in BORROWER_KINDS:
            problems["borrower"].append(BORROWER_NOT_HERE)
        elif is_token and borrower.kind != Kind.STAFF:
            problems["borrower"].append(TOKEN_FOR_STAFF)
    if is_token and due_on is not None:
        problems["due_on"].append(TOKEN_NO_DUE)
    elif not is_token and due_on is None:
        problems["due_on"].append(DUE_NEEDED)
    return dict(problems)


def may_be_lent(device: Device) -> bool:
    """The device itself may go out (whoever the borrower)."""
    return not (
        device.status in NOT_LENDABLE or device.is_backup_medium or device.unencrypted_portable
    )


@retry_conflicts
def loan_issue(
    *,
    actor,
    school,
    device: Device,
    borrower: Person,
    out_on: dt.date,
    due_on: dt.date | None = None,
    condition_out: str = "",
    request=None,
) -> Loan:
    """Lend `device` to `borrower` (or issue a token to them): refused with the policy's reason
    when it may not go out; marks the device on loan."""
    with transaction.atomic():
        # Locked so that two people lending the same laptop at once cannot both succeed.
        device = (
            Device.objects.select_for_update(no_key=True)
            .filter(pk=device.pk, school=school)
            .first()
        )
        if device is None:
            raise ValidationError({"device": "Choose a device of this school."})
        if problems := lending_problems(device, borrower, due_on):
            raise ValidationError(problems)
        if due_on is not None and due_on < out_on:
            raise ValidationError({"due_on": "The due date cannot be before the loan date."})
        try:
            with transaction.atomic():
                loan = Loan.objects.create(
                    school=school,
                    device=device,
                    borrower=borrower,
                    out_on=out_on,
                    due_on=due_on,
                    condition_out=condition_out,
                    issued_by=actor,
                )
        except IntegrityError:
            # Another loan of it was recorded at the same moment (SQLite takes no row locks).
            reason = NOT_LENDABLE[Status.ON_LOAN]
            raise ValidationError({"device": f"{device} cannot be lent: {reason}."}) from None
        status_before = device.status
        device.status = Status.ON_LOAN
        holder_before = device.assigned_to_id
        # One holder: while it is out, the borrower is who the register says has it.
        device.assigned_to = borrower
        device.save(update_fields=["status", "assigned_to", "updated_at"])
        changes = audit.diff({}, audit.snapshot(loan, LOAN_FIELDS))
        changes["device_status"] = [status_before, device.status]
        if holder_before != borrower.pk:
            changes["device_assigned_to"] = [holder_before, borrower.pk]
        audit.record(
            "loan.issued", actor=actor, school=school, obj=loan, request=request, changes=changes
        )
    return loan


@retry_conflicts
def loan_return(
    *,
    actor,
    school,
    loan: Loan,
    returned_on: dt.date,
    condition_in: str = "",
    back_to: str = Status.IN_STORE,
    request=None,
) -> Loan:
    """Record that a lent device came back, and put it back in store or in use."""
    if back_to not in BACK_TO:
        raise ValidationError({"back_to": "Choose where the device goes now."})
    with transaction.atomic():
        # The device first, as lending does: the two never wait on each other in turn.
        device = Device.objects.select_for_update(no_key=True).get(pk=loan.device_id, school=school)
        loan = Loan.objects.select_for_update(no_key=True).get(pk=loan.pk, school=school)
        if loan.returned_on is not None:
            raise ValidationError(
                f"This loan was already returned on {long_date(loan.returned_on)}."
            )
        if returned_on < loan.out_on:
            went = long_date(loan.out_on)
            raise ValidationError(
                {"returned_on": f"It cannot come back before it went out ({went})."}
            )
        before = audit.snapshot(loan, LOAN_FIELDS)
        loan.returned_on = returned_on
        loan.condition_in = condition_in
        loan.save(update_fields=["returned_on", "condition_in"])
        status_before = device.status
        fields = []
        # A device reported lost or stolen meanwhile keeps that status: the register's to clear.
        if device.status == Status.ON_LOAN:
            device.status = back_to
            fields.append("status")
        if device.assigned_to_id == loan.borrower_id:
            device.assigned_to = None  # back from its borrower: nobody has it
            fields.append("assigned_to")
        if fields:
            device.save(update_fields=[*fields, "updated_at"])
        changes = audit.diff(before, audit.snapshot(loan, LOAN_FIELDS))
        if device.status != status_before:
            changes["device_status"] = [status_before, device.status]
        if "assigned_to" in fields:
            changes["device_assigned_to"] = [loan.borrower_id, None]
        audit.record(
            "loan.returned", actor=actor, school=school, obj=loan, request=request, changes=changes
        )
    return loan


# Chasing overdue loans ---------------------------------------------------------------------------


def _chasers(school_ids) -> dict[int, list]:
    """{school id: users} who hear about overdue loans: the IT leads, or the SIRO if none."""
    leads: dict[int, list] = defaultdict(list)
    siros: dict[int, list] = defaultdict(list)
    memberships = (
        Membership.objects.active()
        .filter(school_id__in=school_ids)
        .filter(Q(is_it_lead=True) | Q(is_siro=True))
        .select_related("user")
        .order_by("pk")
    )
    for m in memberships:
        if m.is_it_lead:
            leads[m.school_id].append(m.user)
        elif m.is_siro:
            siros[m.school_id].append(m.user)
    return {school_id: leads[school_id] or siros[school_id] for school_id in school_ids}


def _messages_for(loan: Loan, users, today: dt.date) -> list[dict]:
    """The reminders about one overdue loan this week: to the borrower and to the chasers."""
    week = (today - loan.due_on).days // CHASE_EVERY
    days = (today - loan.due_on).days
    school = loan.school
    link = f"{settings.SITE_URL}{reverse('loan-list', kwargs={'school': school.slug})}?show=overdue"
    messages = []
    if loan.borrower.email:
        messages.append(
            {
                "dedupe_key": f"loan-overdue:{loan.pk}:borrower:w{week}",
                "to": loan.borrower.email,
                "subject": f"Please return the {loan.device} you borrowed from {school.name}",
                "body": (
                    f"Hello {loan.borrower.first_name},\n\n"
                    f"The {loan.device} you borrowed from {school.name} on "
                    f"{long_date(loan.out_on)} "
                    f"was due back on {long_date(loan.due_on)}.\n\n"
                    "Please return it to the school office or the IT lead as soon as you can.\n"
                ),
            }
        )
    for user in users:
        # No borrower's name in e-mail: the link shows who has it to those allowed to see.
        messages.append(
            {
                "dedupe_key": f"loan-overdue:{loan.pk}:user{user.pk}:w{week}",
                "to": user.email,
                "subject": f"Overdue loan at {school.name}: {loan.device}",
                "body": (
                    f"Hello {user.first_name or user.email},\n\n"
                    f"The {loan.device} lent on {long_date(loan.out_on)} was due back on "
                    f"{long_date(loan.due_on)}: {days} day{'s' if days != 1 else ''} overdue.\n\n"
                    f"See the overdue loans: {link}\n"
                ),
            }
        )
    return messages


@job("loan-chasers", every=dt.timedelta(hours=1))
def loan_chasers() -> str:
    """Chase loans past their due date: the borrower (when they have an e-mail address) and the
    school's IT lead, at most once a week per loan."""
    today = timezone.localdate()
    loans = list(
        Loan.objects.filter(overdue_q(today))
        .select_related("device", "borrower", "school")
        .order_by("school_id", "due_on", "pk")
    )
    chasers = _chasers({loan.school_id for loan in loans})
    planned = [
        (loan, message)
        for loan in loans
        for message in _messages_for(loan, chasers[loan.school_id], today)
    ]
    keys = [message["dedupe_key"] for _, message in planned]
    already: set[str] = set()
    for start in range(0, len(keys), 500):
        already |= set(
            OutboxMessage.objects.filter(dedupe_key__in=keys[start : start + 500]).values_list(
                "dedupe_key", flat=True
            )
        )
    queued = 0
    for loan, message in planned:
        if message["dedupe_key"] not in already:
            queued += mail_queue(school=loan.school, **message) is not None
    return f"queued {queued}"


@provider
def overdue_loans(user, memberships):
    """Overdue loans, by school, for the IT lead (the SIRO where there is none); one query."""
    leads = [m.school for m in memberships if m.is_it_lead]
    siro_only = [m.school for m in memberships if m.is_siro and not m.is_it_lead]
    if not leads and not siro_only:
        return []
    has_lead = Membership.objects.active().filter(is_it_lead=True).values("school_id")
    rows = (
        Loan.objects.filter(
            Q(school__in=leads) | (Q(school__in=siro_only) & ~Q(school__in=has_lead))
        )
        .filter(overdue_q())
        .values("school")
        .annotate(n=Count("pk"), first_due=Min("due_on"))
        .order_by()
    )
    by_school = {row["school"]: row for row in rows}
    tasks = []
    for school in sorted(leads + siro_only, key=lambda s: s.name):
        if row := by_school.get(school.pk):
            n = row["n"]
            url = reverse("loan-list", kwargs={"school": school.slug}) + "?show=overdue"
            tasks.append(
                Task(
                    f"Chase {n} overdue loan{'s' if n != 1 else ''} at {school.name}",
                    url,
                    school=school,
                    due=row["first_due"],
                    urgent=True,
                )
            )
    return tasks
