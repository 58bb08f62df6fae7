"""Queue mail in the outbox and deliver it, retrying failures with back-off.

A message is claimed with a conditional update before it is sent, so two workers never send the
same one; every claim counts as an attempt, so a message whose sender keeps dying gives up too.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import uuid
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from bastion.notify.models import OutboxMessage

log = logging.getLogger(__name__)
Status = OutboxMessage.Status
# A claimed message whose sender died is retried after this long (far above the SMTP timeout).
CLAIM_TIMEOUT = dt.timedelta(minutes=10)
# This many failures in a row in one flush means the mail server is down: stop until next run.
FLUSH_FAILURE_STREAK = 5

SENT, RETRYING, GAVE_UP, SKIPPED = "sent", "retrying", "gave up", "skipped"
ERASED = "[erased after delivery: it carried a single-use link]"


def mail_queue(
    *,
    to: str,
    subject: str,
    body: str,
    dedupe_key: str | None = None,
    school=None,
    secret: bool = False,
) -> OutboxMessage | None:
    """Put one message in the outbox (once per `dedupe_key`) and try to send it after commit.

    Returns the message, or None when a message with the same key was already queued. Sending
    never raises into the caller: a failure leaves the message pending for `run_schedule`.
    A `secret` message (it carries a single-use link) has its body erased once delivered.
    """
    key = dedupe_key or f"once:{uuid.uuid4().hex}"
    # A line break in a header is refused at send time; it would only ever fail, so fold it here.
    subject = " ".join(f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}".split())[:200]
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                school=school,
                dedupe_key=key,
                to=to,
                subject=subject,
                body=body,
                secret=secret,
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        if OutboxMessage.objects.filter(dedupe_key=key).exists():
            return None
        raise
    transaction.on_commit(partial(outbox_send, message.pk), robust=True)
    return message


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 240))


def _claimable(now: dt.datetime) -> Q:
    due = Q(status=Status.PENDING, next_attempt_at__lte=now)
    # A sender that died mid-send leaves its claim behind; it counts as an attempt.
    abandoned = Q(
        status=Status.SENDING,
        claimed_at__lt=now - CLAIM_TIMEOUT,
        attempts__lt=settings.BASTION_OUTBOX_MAX_ATTEMPTS,
    )
    return due | abandoned


def _claim(pk: int, now: dt.datetime) -> bool:
    """Take a message for sending with one conditional update: two workers never both win."""
    return bool(
        OutboxMessage.objects.filter(_claimable(now), pk=pk).update(
            status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def _permanent(exc: Exception) -> bool:
    """A 5xx answer (unknown mailbox, refused sender) will not change on retry."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def _email(message: OutboxMessage) -> EmailMessage:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={
            # The same id on every retry lets a receiving server drop a duplicate delivery.
            "Message-ID": f"<outbox.{message.pk}.{message.created_at:%Y%m%d%H%M%S}@{host}>",
            "Auto-Submitted": "auto-generated",
        },
    )


def _deliver(pk: int) -> str:
    """Send one message if it is due and unclaimed: SENT, RETRYING, GAVE_UP or SKIPPED."""
    now = timezone.now()
    if not _claim(pk, now):
        return SKIPPED
    message = OutboxMessage.objects.get(pk=pk)
    try:
        _email(message).send()
    except Exception as exc:  # any delivery failure is recorded and retried, never raised
        gave_up = message.attempts >= settings.BASTION_OUTBOX_MAX_ATTEMPTS or _permanent(exc)
        # Only the holder of the claim records the outcome (a stale claim may have been retaken).
        OutboxMessage.objects.filter(pk=pk, status=Status.SENDING, claimed_at=now).update(
            status=Status.FAILED if gave_up else Status.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=timezone.now() + _backoff(message.attempts),
            claimed_at=None,
        )
        level = logging.ERROR if gave_up else logging.WARNING
        log.log(level, "outbox message %s, attempt %s failed: %s", pk, message.attempts, exc)
        return GAVE_UP if gave_up else RETRYING
    delivered = {"status": Status.SENT, "sent_at": timezone.now(), "claimed_at": None}
    if message.secret:
        # The link it carried is a credential: once delivered, don't keep a copy.
        delivered["body"] = ERASED
    OutboxMessage.objects.filter(pk=pk).update(last_error="", **delivered)
    return SENT


def outbox_send(pk: int) -> bool:
    """Send one queued message if it is due and nobody else is sending it. True when sent."""
    return _deliver(pk) == SENT


@dataclass
class Flushed:
    sent: int = 0
    retrying: int = 0
    gave_up: list[OutboxMessage] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"sent {self.sent}, will retry {self.retrying}, gave up on {len(self.gave_up)}"
        for message in self.gave_up:
            text += (
                f"\n  gave up on #{message.pk} to {message.to} ({message.subject}) after "
                f"{message.attempts} attempts: {message.last_error}"
            )
        return text


def outbox_flush(limit: int = 500) -> Flushed:
    """Send every due message, oldest first, and retry abandoned claims. Safe to run at once
    from several workers; stops early when the mail server fails several times in a row."""
    now = timezone.now()
    done = Flushed()
    abandoned = OutboxMessage.objects.filter(
        status=Status.SENDING,
        claimed_at__lt=now - CLAIM_TIMEOUT,
        attempts__gte=settings.BASTION_OUTBOX_MAX_ATTEMPTS,
    )
    for pk in list(abandoned.values_list("pk", flat=True)):
        if abandoned.filter(pk=pk).update(
            status=Status.FAILED, claimed_at=None, last_error="The sender stopped part-way."
        ):
            done.gave_up.append(OutboxMessage.objects.get(pk=pk))
    due = (
        OutboxMessage.objects.filter(_claimable(now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    streak = 0
    for pk in list(due):
        outcome = _deliver(pk)
        if outcome == SENT:
            done.sent += 1
        elif outcome == RETRYING:
            done.retrying += 1
        elif outcome == GAVE_UP:
            done.gave_up.append(OutboxMessage.objects.get(pk=pk))
        streak = streak + 1 if outcome in (RETRYING, GAVE_UP) else 0
        if streak >= FLUSH_FAILURE_STREAK:
            log.warning("outbox: %s failures in a row, the rest wait for the next run", streak)
            break
    return done
