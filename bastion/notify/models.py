"""The outbox: every e-mail Bastion sends is a row first, so none is lost or sent twice."""

from __future__ import annotations

from django.db import models


class OutboxMessage(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Gave up"

    school = models.ForeignKey(
        "core.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Names the reason for the message ("invite:42", "password-age:7:2026-11-28"): queueing the
    # same key twice is a no-op, which is what makes reminders idempotent.
    dedupe_key = models.CharField(max_length=200, unique=True)
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    # Carries a credential (an invitation or password-reset link): erased once delivered.
    secret = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.subject} -> {self.to} ({self.status})"


class ScheduleRun(models.Model):
    """When each scheduled job last ran, so `run_schedule` can space out the slow ones."""

    job = models.CharField(max_length=100, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_result = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.job
