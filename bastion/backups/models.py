"""Bastion's own backups and restore tests: the installation keeps the register it asks of
every school (T12, T13), for the operator."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class BackupRecord(models.Model):
    """One archive written: the whole installation (scheduled or by command), or one school's
    data exported for a school leaving its trust or the platform."""

    class Kind(models.TextChoices):
        FULL = "full", "Whole installation"
        SCHOOL = "school", "One school's data"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Scheduled"
        COMMAND = "command", "manage.py backup"
        CONSOLE = "console", "Downloaded from Bastion"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    school = models.ForeignKey(
        "core.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    file_name = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    rows = models.PositiveBigIntegerField(default=0)
    files = models.PositiveIntegerField(default=0)
    unreadable_files = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    pruned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["kind", "ok", "-started_at"], name="backup_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"


class RestoreCheck(models.Model):
    """A restore test of an archive: restored into a scratch database, verified, discarded."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Scheduled"
        COMMAND = "command", "manage.py restore --check"

    backup = models.ForeignKey(
        BackupRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="checks"
    )
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    checked_at = models.DateTimeField()
    archive_name = models.CharField(max_length=255)
    archive_sha256 = models.CharField(max_length=64)
    written_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    rows = models.PositiveBigIntegerField(default=0)
    seconds = models.FloatField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return f"restore test {self.checked_at:%Y-%m-%d %H:%M} ({'ok' if self.ok else 'failed'})"
