"""Incidents and the breach log (P4; UK GDPR articles 33 and 34).

Every incident is kept, notified or not. The 72 hours to tell the ICO run from when the school
became aware (`aware_at`); a late notification records why.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

ICO_HOURS = 72


class Kind(models.TextChoices):
    LOST_DEVICE = "lost_device", "Lost device"
    STOLEN_DEVICE = "stolen_device", "Stolen device"
    PASSWORD = "password", "Lost or disclosed password"
    WRONG_RECIPIENT = "wrong_recipient", "E-mail or letter to the wrong recipient"
    UNAUTHORISED_ACCESS = "unauthorised_access", "Unauthorised access"
    MALWARE = "malware", "Phishing, malware or ransomware"
    PAPER = "paper", "Lost or exposed paper records"
    OTHER = "other", "Other"


class Level(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Risk(models.TextChoices):
    NO_RISK = "no_risk", "No risk to people"
    RISK = "risk", "A risk to people"
    HIGH_RISK = "high_risk", "A high risk to people"


class Incident(models.Model):
    class Status(models.TextChoices):
        REPORTED = "reported", "Reported"
        TRIAGED = "triaged", "Being handled"
        CLOSED = "closed", "Closed"

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=20)  # e.g. INC-2026-0007, per school
    # The reporting form's one-time key: a double submit finds the report it already made.
    submission_key = models.UUIDField()
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(auto_now_add=True)
    # What happened (the reporter's words).
    kind = models.CharField(max_length=20, choices=Kind.choices)
    what_happened = models.TextField()
    happened_at = models.DateTimeField(null=True, blank=True)
    discovered_at = models.DateTimeField()
    device = models.ForeignKey(
        "equipment.Device",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    system_or_asset = models.CharField(max_length=200, blank=True)
    personal_data = models.TextField("what personal data", blank=True)
    people_affected = models.PositiveIntegerField("roughly how many people", null=True, blank=True)
    children_data = models.BooleanField("children's data involved", default=False)
    special_category = models.BooleanField("special category data involved", default=False)
    done_already = models.TextField("what has been done already", blank=True)
    # The clock: when the school became aware (the DPO may correct it), hence the deadline.
    aware_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REPORTED)
    # Risk assessment.
    likelihood = models.CharField(max_length=6, choices=Level.choices, blank=True)
    severity = models.CharField(max_length=6, choices=Level.choices, blank=True)
    risk = models.CharField(max_length=10, choices=Risk.choices, blank=True)
    risk_reasoning = models.TextField(blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(null=True, blank=True)
    # The ICO decision (article 33).
    notify_ico = models.BooleanField(null=True, blank=True)
    not_notifiable_reason = models.TextField(blank=True)
    ico_reference = models.CharField(max_length=40, blank=True)
    ico_notified_at = models.DateTimeField(null=True, blank=True)
    late_reason = models.TextField("reason for the delay", blank=True)
    # Telling the people affected (article 34, high risk).
    tell_people = models.BooleanField(null=True, blank=True)
    people_told_on = models.DateField(null=True, blank=True)
    people_told_how = models.CharField(max_length=200, blank=True)
    not_telling_reason = models.TextField(blank=True)
    # Closure.
    cause = models.TextField(blank=True)
    lessons = models.TextField("lessons learned", blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "reference"], name="incident_reference_unique"
            ),
            models.UniqueConstraint(
                fields=["school", "submission_key"], name="incident_submission_once"
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status", "-reported_at"], name="incident_list"),
            models.Index(fields=["school", "-aware_at"], name="incident_clock"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.get_kind_display()}"

    @property
    def ico_deadline(self) -> dt.datetime:
        return self.aware_at + dt.timedelta(hours=ICO_HOURS)

    @property
    def notified_late(self) -> bool:
        return bool(self.ico_notified_at and self.ico_notified_at > self.ico_deadline)


def clock_running_q() -> Q:
    """Incidents whose ICO decision is still open: not decided not-notifiable, not notified."""
    return Q(notify_ico__isnull=True) | Q(notify_ico=True, ico_notified_at__isnull=True)


class Action(models.Model):
    """Containment, recovery or prevention: an owner, a due date, done or not."""

    class Kind(models.TextChoices):
        CONTAINMENT = "containment", "Containment"
        RECOVERY = "recovery", "Recovery"
        PREVENTION = "prevention", "Prevention"

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    description = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["owner", "done_at", "due_on"], name="action_mine")]

    def __str__(self) -> str:
        return self.description


class Draft(models.Model):
    """What someone has typed into the report form so far (kept on the server, never in the
    browser's storage: it may be personal data). Deleted when the report is sent."""

    school = models.ForeignKey("core.School", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "user"], name="draft_one_per_user")
        ]

    def __str__(self) -> str:
        return f"draft of {self.user_id}"
