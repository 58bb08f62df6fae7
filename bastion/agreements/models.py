"""Acceptable Use Agreements (P6): one per audience, in versions; signatures, links, reminders.

A person is covered when they have signed their audience's agreement at or after its
*baseline*: the newest version published with "everyone must sign again". A version published
without it (a typo fixed, a phone number changed) keeps earlier signatures counting.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bastion.people.models import YEAR_GROUPS


class Audience(models.TextChoices):
    STAFF = "staff", "Staff"
    GOVERNOR = "governor", "Governors"
    VOLUNTEER = "volunteer", "Volunteers"
    PARENT = "parent", "Parents and carers"
    PUPIL_YOUNGER = "pupil_younger", "Younger pupils"
    PUPIL_OLDER = "pupil_older", "Older pupils"


# Who signs with a single-use link (no Bastion account needed); pupils sign in class or on paper.
LINK_AUDIENCES = (Audience.STAFF, Audience.GOVERNOR, Audience.VOLUNTEER, Audience.PARENT)
PUPIL_AUDIENCES = (Audience.PUPIL_YOUNGER, Audience.PUPIL_OLDER)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class AgreementSettings(models.Model):
    """How a school runs its agreements: who counts as a younger pupil, chasing, links."""

    school = models.OneToOneField("core.School", on_delete=models.CASCADE, related_name="+")
    younger_up_to = models.CharField(
        "Younger pupils are those up to and including",
        max_length=3,
        choices=YEAR_GROUPS,
        default="2",
        help_text="Pupils in this year group and below sign the younger pupils' agreement.",
    )
    parents_sign_for_children = models.BooleanField(
        "Parents and carers may sign the pupil agreement for their child",
        default=True,
        help_text="Their signing link then offers the pupil agreement of each child too.",
    )
    link_days = models.PositiveSmallIntegerField(
        "Signing links last (days)", default=30, help_text="Between 1 and 90 days."
    )
    chase_interval_days = models.PositiveSmallIntegerField(
        "Remind the same person at most every (days)",
        default=14,
        help_text="Between 1 and 90 days.",
    )
    chase_automatically = models.BooleanField(
        "Send reminders automatically",
        default=False,
        help_text="Bastion then reminds everyone unsigned with an e-mail address, at the "
        "interval above.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(link_days__gte=1, link_days__lte=90), name="agreements_link_days"
            ),
            models.CheckConstraint(
                condition=Q(chase_interval_days__gte=1, chase_interval_days__lte=90),
                name="agreements_chase_days",
            ),
        ]

    def __str__(self) -> str:
        return f"agreement settings of {self.school_id}"


class Agreement(models.Model):
    """The agreement of one audience in one school; its text lives in its versions."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    audience = models.CharField(max_length=16, choices=Audience.choices)
    title = models.CharField(max_length=150)
    current = models.ForeignKey(
        "AgreementVersion", null=True, on_delete=models.PROTECT, related_name="+"
    )
    # Signatures of this version number or later count (see the module docstring).
    baseline_number = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["school_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "audience"], name="agreement_per_audience")
        ]

    def __str__(self) -> str:
        return self.title


class AgreementVersion(models.Model):
    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    text_hash = models.CharField(max_length=64)
    effective_on = models.DateField()
    everyone_signs_again = models.BooleanField(default=True)
    note = models.CharField("What changed", max_length=300, blank=True)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["agreement_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="agreementversion_number")
        ]

    def __str__(self) -> str:
        return f"{self.agreement} version {self.number}"


class Method(models.TextChoices):
    ONLINE = "online", "Signed in Bastion"
    LINK = "link", "Signed through a link"
    PAPER = "paper", "Signed on paper"
    CLASS = "class", "Signed in class"


class PaperRecord(models.Model):
    """One batch of signatures: a paper sheet ticked off, or a class agreement recorded."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=8, choices=Method.choices)
    signed_on = models.DateField()
    group = models.CharField(max_length=60, blank=True)  # the class or year group
    note = models.CharField(max_length=300, blank=True)
    scan = models.ForeignKey(
        "core.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    count = models.PositiveIntegerField(default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.group} on {self.signed_on}"


class Signature(models.Model):
    """A person's signature on one version, with the hash of the exact text they signed."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="agreement_signatures"
    )
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()  # the version's number, for coverage queries
    text_hash = models.CharField(max_length=64)
    method = models.CharField(max_length=8, choices=Method.choices)
    signed_at = models.DateTimeField(default=timezone.now)
    typed_name = models.CharField(max_length=200, blank=True)
    # A parent or carer who signed a pupil's agreement for them.
    signed_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paper = models.ForeignKey(
        PaperRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="signatures"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-signed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["person", "version"], name="signature_once")]
        indexes = [
            models.Index(fields=["person", "agreement", "number"], name="signature_cover"),
            models.Index(fields=["school", "signed_at"], name="signature_school"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} signed {self.version_id} ({self.method})"


class SigningLink(models.Model):
    """A single-use, expiring link for someone without an account. Only a hash is stored."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    sent_by = models.CharField(max_length=8)  # "email" or "letter"
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["person", "used_at"], name="signinglink_open")]

    def __str__(self) -> str:
        return f"signing link for {self.person_id}"

    @property
    def status(self) -> str:
        if self.used_at:
            return "used"
        if self.revoked_at:
            return "replaced"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"


class Reminder(models.Model):
    """A reminder sent to someone who had not signed (chasing is spaced by the school's
    interval, per person)."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    to = models.EmailField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["person", "sent_at"], name="reminder_last")]

    def __str__(self) -> str:
        return f"reminder to {self.person_id} at {self.sent_at:%Y-%m-%d}"
