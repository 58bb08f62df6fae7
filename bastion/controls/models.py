"""Each school's settings for its controls, the attestations made, and the daily status history.

A control is a row of the policy (catalogue.ROWS): its code is the row's id. Evidence computed
from the registers lives in the registers (registry.py); what is kept here is what a person
decides or declares.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from bastion.controls.catalogue import ROWS
from bastion.controls.registry import STATUSES
from bastion.core.models import ROLES

CODE_CHOICES = [(code, f"{code}: {title}") for code, title in ROWS.items()]


class Frequency(models.TextChoices):
    NONE = "none", "No periodic check"
    MONTHLY = "monthly", "Every month"
    TERMLY = "termly", "Every term"
    YEARLY = "yearly", "Every year"


# How long an attestation stands: a term is a third of a school year, rounded up.
FREQUENCY_DAYS = {Frequency.MONTHLY: 31, Frequency.TERMLY: 122, Frequency.YEARLY: 365}


class ControlSetting(models.Model):
    """Who owns one control in one school, and how often it is checked (attested).

    Without a row, the defaults of bastion/controls/defaults.py apply.
    """

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=4, choices=CODE_CHOICES)
    owner_role = models.CharField(max_length=10, choices=ROLES, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A named person; when empty, whoever holds the owner role.",
    )
    frequency = models.CharField(max_length=8, choices=Frequency.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["school_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="controlsetting_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} settings of {self.school_id}"


class Attestation(models.Model):
    """A dated statement that a control was checked and holds ("the shredder is cross-cut")."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=4, choices=CODE_CHOICES)
    attested_on = models.DateField()
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField()
    evidence = models.ForeignKey(
        "core.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-attested_on", "-id"]
        indexes = [
            models.Index(fields=["school", "code", "-attested_on"], name="attestation_recent")
        ]

    def __str__(self) -> str:
        return f"{self.code} attested on {self.attested_on}"


class StatusSnapshot(models.Model):
    """One control's status in one school on one day: the history trends are drawn from."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=4, choices=CODE_CHOICES)
    day = models.DateField()
    status = models.CharField(max_length=16, choices=[(s, s) for s in STATUSES])
    value = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["day", "code"]
        constraints = [
            models.UniqueConstraint(fields=["school", "code", "day"], name="statussnapshot_unique")
        ]
        indexes = [models.Index(fields=["school", "day"], name="snapshot_trend")]

    def __str__(self) -> str:
        return f"{self.code} {self.status} on {self.day}"


class KeptEvaluation(models.Model):
    """What a school's pages computed (its controls' evidence part by part, its row of the trust
    matrix, its agreement counts), kept for reuse by `bastion.controls.kept`. The key names the
    school and the day; the value, plain JSON, holds the parts and the school's change
    generation they were computed at, so nothing is used once a change has been recorded there.
    Expired rows are dropped by the refresh job. A table of its own rather than the cache: a
    trust's fifty schools are read in one query and written in one."""

    key = models.CharField(max_length=200, unique=True)
    school = models.ForeignKey("core.School", on_delete=models.CASCADE, related_name="+")
    value = models.TextField()  # JSON: {"generation": n, "parts": {part: answer}}
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.key
