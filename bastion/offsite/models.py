"""Sensitive data taken off site (P12, T3): who took what, why, on which encrypted medium,
who approved it, when it is due back, and whether it came back or was destroyed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Removal(models.Model):
    """One removal of sensitive data from school: requested, approved (out), then closed."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Awaiting approval"
        APPROVED = "approved", "Off site"
        DECLINED = "declined", "Declined"
        RETURNED = "returned", "Returned"
        DESTROYED = "destroyed", "Destroyed"

    OPEN = (Status.REQUESTED, Status.APPROVED)
    CLOSED = (Status.RETURNED, Status.DESTROYED)

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The member of staff who takes the data.",
    )
    what = models.CharField("what data", max_length=300)
    why = models.CharField("why it must leave school", max_length=500)
    # The medium: an encrypted device from the equipment register, or one described here.
    device = models.ForeignKey(
        "equipment.Device", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    medium = models.CharField("other medium", max_length=200, blank=True, default="")
    medium_encrypted = models.BooleanField("the medium is encrypted", default=False)
    taken_on = models.DateField("taken off site on")
    due_on = models.DateField("due back")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    closed_on = models.DateField("returned or destroyed on", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    close_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-taken_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("taken_on")), name="removal_due_after_taken"
            ),
            # Encrypted media only: a register device, or a described medium said to be encrypted.
            models.CheckConstraint(
                condition=Q(device__isnull=False, medium="")
                | Q(device__isnull=True, medium_encrypted=True) & ~Q(medium=""),
                name="removal_one_encrypted_medium",
            ),
        ]
        indexes = [models.Index(fields=["school", "status", "due_on"], name="removal_open")]

    def __str__(self) -> str:
        return f"{self.what} ({self.person_id}, {self.taken_on})"

    @property
    def medium_label(self) -> str:
        return str(self.device) if self.device_id else self.medium

    def is_overdue(self, today) -> bool:
        return self.status == self.Status.APPROVED and self.due_on < today
