"""The data transfers log (P8, T5, T8): what personal data went to whom, through which channel.

A channel (a system of the register) not approved for the kind of recipient is flagged on the
entry, with the reason, and the DPO is told by e-mail at once. The flag is stored: approvals
change later, the entry says what was true when the data was sent.

Who records and who sees: any member of staff who sends data records their own transfers and
sees the ones they sent or recorded; the DPO, the SIRO and the office (who send most of it and
answer for it) see and record every transfer, on anyone's behalf (`transfers.view_all`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bastion.core import audit
from bastion.core.models import Membership
from bastion.lib.dates import long_date
from bastion.notify.services import mail_queue
from bastion.systems.models import RecipientKind, System, Transfer

TRANSFER_FIELDS = (
    "sent_on",
    "what",
    "recipient",
    "recipient_kind",
    "channel",
    "lawful_basis",
    "sent_by",
    "notes",
)
AUDIT_FIELDS = (
    "sent_on",
    "what",
    "recipient",
    "recipient_kind",
    "channel_id",
    "lawful_basis",
    "sent_by_id",
    "flagged",
    "flag_reason",
)


def visible_to(access, user, school):
    """The transfers this user may see: all with `transfers.view_all`, else their own."""
    found = Transfer.objects.filter(school=school)
    if not access.can("transfers.view_all"):
        found = found.filter(Q(sent_by=user) | Q(recorded_by=user))
    return found


def channel_problem(channel: System, recipient_kind: str) -> str:
    """Why `channel` may not carry personal data to this kind of recipient, or ""."""
    if channel.approved_for_kind(recipient_kind):
        return ""
    kind = RecipientKind(recipient_kind).label.lower()
    approved = [RecipientKind(k).label.lower() for k in channel.approved_for or []]
    if approved:
        return (
            f"{channel} is not approved for sending data to {kind}; it is approved for "
            f"{', '.join(approved)}."
        )
    return f"{channel} is not approved for sending personal data to anyone."


def _check(transfer: Transfer, school, may_send_for_others: bool, actor) -> None:
    errors = {}
    if transfer.sent_on and transfer.sent_on > timezone.localdate():
        errors["sent_on"] = "The date cannot be in the future: record a transfer once it is sent."
    channel = transfer.channel if transfer.channel_id else None
    if channel is not None and (channel.school_id != school.pk or channel.archived):
        errors["channel"] = "Choose a channel from the school's current systems."
    if transfer.sent_by_id and transfer.sent_by_id != actor.pk:
        member = Membership.objects.active().filter(school=school, user_id=transfer.sent_by_id)
        if not may_send_for_others:
            errors["sent_by"] = "You can record only the transfers you sent yourself."
        elif not member.exists():
            errors["sent_by"] = "Choose a member of this school's staff."
    if errors:
        raise ValidationError(errors)
    transfer.full_clean(exclude=["school", "recorded_by"])


@transaction.atomic
def transfer_record(*, actor, school, access, data: dict, request=None) -> Transfer:
    """Log a transfer; flag it and alert the DPO at once when its channel is not approved for
    that kind of recipient."""
    values = {k: v for k, v in data.items() if k in TRANSFER_FIELDS}
    values.setdefault("sent_by", actor)
    if values["sent_by"] is None:
        values["sent_by"] = actor
    transfer = Transfer(school=school, recorded_by=actor, **values)
    _check(transfer, school, access.can("transfers.view_all"), actor)
    transfer.flag_reason = channel_problem(transfer.channel, transfer.recipient_kind)
    transfer.flagged = bool(transfer.flag_reason)
    transfer.save()
    audit.record(
        "transfer.recorded",
        actor=actor,
        school=school,
        obj=transfer,
        request=request,
        changes=audit.diff({}, audit.snapshot(transfer, AUDIT_FIELDS)),
    )
    if transfer.flagged:
        _alert_dpo(transfer, school)
    return transfer


def _alert_dpo(transfer: Transfer, school) -> int:
    """E-mail the school's DPO (the SIRO when there is none) about a flagged transfer."""
    officers = Membership.objects.active().filter(school=school).select_related("user")
    dpos = [m.user for m in officers.filter(is_dpo=True)] or [
        m.user for m in officers.filter(is_siro=True)
    ]
    link = settings.SITE_URL + reverse(
        "transfer-detail", kwargs={"school": school.slug, "pk": transfer.pk}
    )
    sender = transfer.sent_by
    for user in dpos:
        mail_queue(
            to=user.email,
            subject=f"A data transfer at {school.name} used an unapproved channel",
            body=(
                f"Hello {user.first_name or user.email},\n\n"
                f"{sender.get_full_name() or sender.email} recorded a transfer of personal "
                f"data on {long_date(transfer.sent_on)} to "
                f"{transfer.get_recipient_kind_display().lower()} through a channel not "
                f"approved for it (P8).\n\n{transfer.flag_reason}\n\n"
                f"The entry (what was sent and to whom is in Bastion): {link}\n"
            ),
            dedupe_key=f"transfer-flagged:{transfer.pk}:{user.pk}",
            school=school,
        )
    return len(dpos)
