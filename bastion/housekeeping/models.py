"""The yearly housekeeping (P14): each school year, every member of staff attests that they
reviewed, removed and destroyed the digital material they no longer need."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Campaign(models.Model):
    """One school year's housekeeping in one school: opened by the SIRO or DPO, with a deadline."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    # The school year it belongs to, by the calendar year it starts in (2025 for 2025/26).
    year = models.PositiveSmallIntegerField()
    opened_on = models.DateField()
    deadline = models.DateField()
    instructions = models.TextField(blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["school", "year"], name="campaign_one_per_year"),
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("opened_on")), name="campaign_deadline_after"
            ),
        ]

    def __str__(self) -> str:
        return f"Housekeeping {self.year}/{(self.year + 1) % 100:02d}"

    @property
    def label(self) -> str:
        return f"{self.year}/{(self.year + 1) % 100:02d}"


class Attestation(models.Model):
    """A member of staff's word that they did their housekeeping for a campaign."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="attestations")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    attested_at = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-attested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="attestation_once")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} for {self.campaign_id}"
