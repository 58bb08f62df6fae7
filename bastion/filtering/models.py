"""Web filtering and monitoring (P7), as the DfE standard asks: a named senior leader and a
named governor, the providers and what they cover, what is blocked or allowed and why, and
dated checks with their results, a full review at least once a year."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class FilteringSetup(models.Model):
    """Who is responsible, and how the school monitors use of its network and devices."""

    class Every(models.IntegerChoices):
        TERM = 120, "Every term"
        HALF_YEAR = 182, "Every six months"
        YEAR = 365, "Once a year (the review)"

    school = models.OneToOneField("core.School", on_delete=models.CASCADE, related_name="+")
    senior_leader = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The member of the senior leadership team responsible for filtering and "
        "monitoring.",
    )
    governor = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The governor responsible for making sure the standard is met.",
    )
    monitoring = models.TextField(
        "monitoring software and approach",
        blank=True,
        help_text="The monitoring software or service, and how alerts reach the designated "
        "safeguarding lead (e.g. active monitoring of devices, reviewing logs, supervision).",
    )
    monitors_email = models.BooleanField("school e-mail is monitored", default=False)
    monitors_platforms = models.BooleanField(
        "blogs and online platforms are monitored", default=False
    )
    check_every_days = models.PositiveSmallIntegerField(
        "how often filtering and monitoring are checked",
        choices=Every.choices,
        default=Every.TERM,
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"filtering and monitoring of {self.school_id}"


class Provider(models.Model):
    """A filtering (or monitoring) service, and which parts of the school it covers."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    product = models.CharField(max_length=120, blank=True)
    filters = models.BooleanField("provides web filtering", default=True)
    monitors = models.BooleanField("provides monitoring", default=False)
    covers_wired = models.BooleanField("wired network", default=False)
    covers_wireless = models.BooleanField("wireless network", default=False)
    covers_guest = models.BooleanField("guest wireless", default=False)
    covers_off_site = models.BooleanField("school devices off site", default=False)
    notes = models.CharField(max_length=500, blank=True)
    active = models.BooleanField(default=True)

    COVERAGE = ("covers_wired", "covers_wireless", "covers_guest", "covers_off_site")

    class Meta:
        ordering = ["-active", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="filtering_provider_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def coverage(self) -> list[str]:
        return [
            str(self._meta.get_field(f).verbose_name) for f in self.COVERAGE if getattr(self, f)
        ]


class Decision(models.Model):
    """A site or category blocked or allowed, when, who asked, and why."""

    class Action(models.TextChoices):
        BLOCK = "block", "Blocked"
        ALLOW = "allow", "Allowed"

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField()
    action = models.CharField(max_length=5, choices=Action.choices)
    what = models.CharField("site or category", max_length=200)
    reason = models.CharField(max_length=500)
    requested_by = models.CharField("asked for by", max_length=120, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["school", "-decided_on"], name="filtering_decision_list")]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.what}"


class Check(models.Model):
    """A dated check of filtering and monitoring, or the yearly review, with its results."""

    class Kind(models.TextChoices):
        CHECK = "check", "Check"
        REVIEW = "review", "Yearly review"

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.CHECK)
    checked_on = models.DateField()
    results = models.TextField(help_text="What was tested and what was found.")
    problems_found = models.BooleanField(default=False)
    actions = models.TextField("actions agreed", blank=True)
    evidence = models.ForeignKey(
        "core.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-checked_on", "-id"]
        indexes = [
            models.Index(fields=["school", "kind", "-checked_on"], name="filtering_check_recent")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.checked_on}"
