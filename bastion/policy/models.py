"""The school's E-Security Policy as data (P0): sections of statements, each tied to a row of
the policy (bastion/controls/catalogue.py), and the versions its annual reviews froze.

The review dates and who reviewed live on the school (`School.policy_review_date`,
`next_review_date`, `reviewed_by`): one place, shown on the school's overview and moved on by a
signed-off review.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from bastion.controls.catalogue import ROWS

CODE_CHOICES = [(code, f"{code}: {title}") for code, title in ROWS.items()]


class Policy(models.Model):
    class Status(models.TextChoices):
        IN_FORCE = "in_force", "In force"
        UNDER_REVIEW = "under_review", "Under review"

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_FORCE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school"], name="policy_one_per_school")]

    def __str__(self) -> str:
        return f"E-Security Policy of {self.school_id}"


class Section(models.Model):
    """A heading of the policy ("Strategic and operational practices"), with its lead-in."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=200)
    intro = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class Statement(models.Model):
    """One commitment of the policy, in Markdown that may quote live facts ({{ school_name }})."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="statements")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="statements")
    code = models.CharField(
        "policy row", max_length=4, choices=CODE_CHOICES, blank=True, db_index=True
    )
    # The default statement it was seeded from; empty for a statement the school added.
    template_key = models.CharField(max_length=40, blank=True)
    text = models.TextField(max_length=4000)
    position = models.PositiveIntegerField(default=0)
    applicable = models.BooleanField(default=True)
    reason = models.CharField("why it does not apply", max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["section__position", "section_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(applicable=True) | ~Q(reason=""),
                name="statement_not_applicable_has_reason",
                violation_error_message="Say why the statement does not apply.",
            )
        ]
        indexes = [models.Index(fields=["school", "code"], name="statement_school_code")]

    def __str__(self) -> str:
        first = self.text.strip().splitlines()[0] if self.text.strip() else ""
        return (f"{self.code}: " if self.code else "") + first[:80]

    @property
    def is_own(self) -> bool:
        return not self.template_key


class PolicyVersion(models.Model):
    """One review: a draft while it runs, then frozen at sign-off with the statements as they
    read that day (text with its facts filled in), so later edits never change it."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Under review"
        SIGNED_OFF = "signed_off", "Signed off"

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    reviewed_by = models.CharField(max_length=200, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_off_name = models.CharField(max_length=200, blank=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    review_date = models.DateField(null=True, blank=True)
    next_review_date = models.DateField(null=True, blank=True)
    snapshot = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policyversion_number"),
            models.UniqueConstraint(
                fields=["policy"],
                condition=Q(status="draft"),
                name="policyversion_one_draft",
                violation_error_message="A review is already in progress.",
            ),
        ]

    def __str__(self) -> str:
        return f"Version {self.number}"

    @property
    def is_signed_off(self) -> bool:
        return self.status == self.Status.SIGNED_OFF
