"""Queue mail in the outbox and deliver it, retrying failures with back-off."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from bastion.notify.models import OutboxMessage

log = logging.getLogger(__name__)
# A claimed message whose sender died is retried after this long.
CLAIM_TIMEOUT = dt.timedelta(minutes=10)


def mail_queue(*, to: str, subject: str, body: str, dedupe_key: str | None = None, school=None):
    """Put one message in the outbox (once per `dedupe_key`) and try to send it after commit.

    Returns the message, or None when a message with the same key was already queued.
    """
    key = dedupe_key or f"once:{uuid.uuid4().hex}"
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                school=school,
                dedupe_key=key,
                to=to,
                subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}"[:200],
                body=body,
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: outbox_send(message.pk))
    return message


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 240))


def _claim(pk: int, now: dt.datetime) -> bool:
    """Take a message for sending with a conditional update: two workers never both win."""
    stale = now - CLAIM_TIMEOUT
    return bool(
        OutboxMessage.objects.filter(
            pk=pk, status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now
        ).update(status=OutboxMessage.Status.SENDING, claimed_at=now)
        or OutboxMessage.objects.filter(
            pk=pk, status=OutboxMessage.Status.SENDING, claimed_at__lt=stale
        ).update(claimed_at=now)
    )


def outbox_send(pk: int) -> bool:
    """Send one queued message if it is due and nobody else is sending it. True when sent."""
    now = timezone.now()
    if not _claim(pk, now):
        return False
    message = OutboxMessage.objects.get(pk=pk)
    try:
        EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
        ).send()
    except Exception as exc:  # any delivery failure is recorded and retried, never raised
        attempts = message.attempts + 1
        gave_up = attempts >= settings.BASTION_OUTBOX_MAX_ATTEMPTS
        OutboxMessage.objects.filter(pk=pk).update(
            status=OutboxMessage.Status.FAILED if gave_up else OutboxMessage.Status.PENDING,
            attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=timezone.now() + _backoff(attempts),
            claimed_at=None,
        )
        log.warning("mail to %s failed (attempt %s): %s", message.to, attempts, exc)
        return False
    OutboxMessage.objects.filter(pk=pk).update(
        status=OutboxMessage.Status.SENT,
        attempts=message.attempts + 1,
        sent_at=timezone.now(),
        last_error="",
    )
    return True


def outbox_flush(limit: int = 500) -> tuple[int, int]:
    """Send every due message (and retry stale claims). Returns (sent, failed)."""
    now = timezone.now()
    due = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now
    ).values_list("pk", flat=True)
    stale = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT
    ).values_list("pk", flat=True)
    sent = failed = 0
    for pk in list(due[:limit]) + list(stale[:limit]):
        if outbox_send(pk):
            sent += 1
        elif OutboxMessage.objects.filter(pk=pk, status__in=["pending", "failed"]).exists():
            failed += 1
    return sent, failed
