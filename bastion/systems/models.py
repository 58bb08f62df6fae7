"""The school's systems (P9-P13, T4, T5, T8, T9): who owns them, how accounts work, and which
kinds of recipient each may be used to send personal data to."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Kind(models.TextChoices):
    MIS = "mis", "Management information system (MIS)"
    LOGIN_ADMIN = "login_admin", "Login service admin site (e.g. USO admin)"
    ADMISSIONS = "admissions", "Admissions"
    REMOTE_ACCESS = "remote_access", "Remote access / VPN"
    EMAIL = "email", "E-mail"
    CLOUD_STORAGE = "cloud_storage", "Online document storage"
    OFFSITE_BACKUP = "offsite_backup", "Off-site backup"
    SECURE_TRANSFER = "secure_transfer", "Secure transfer (e.g. S2S, a file-transfer service)"
    OTHER = "other", "Other"


class RecipientKind(models.TextChoices):
    """Who personal data is sent to (P8): a channel is approved per kind of recipient."""

    LOCAL_AUTHORITY = "local_authority", "Local authority"
    CHILDRENS_SERVICES = "childrens_services", "Children's services"
    HEALTH = "health", "Health"
    WELFARE = "welfare", "Welfare"
    SOCIAL_SERVICES = "social_services", "Social services"
    SCHOOL = "school", "Another school"
    DFE = "dfe", "Department for Education"
    OTHER = "other", "Other organisation"


class System(models.Model):
    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = models.CharField(max_length=500, blank=True)
    owner = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    holds_personal_data = models.BooleanField(default=True)
    personal_accounts = models.BooleanField(
        "every user has a personal account (no shared logins)", default=True
    )
    mfa_enforced = models.BooleanField("two-factor authentication is enforced", default=False)
    password_rules = models.CharField(max_length=500, blank=True)
    provisioning = models.TextField(
        "how accounts are created and removed",
        blank=True,
        help_text="The approved process, e.g. created from the MIS by AutoUpdate.",
    )
    password_change_months = models.PositiveSmallIntegerField(
        "password change period (months)",
        null=True,
        blank=True,
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text="The policy asks for a change at least twice a year: 6 months. Leave empty "
        "where the system needs no periodic change (e.g. single sign-on).",
    )
    approved_for = models.JSONField(
        "approved for sending personal data to",
        default=list,
        blank=True,
        help_text="Kinds of recipient (RecipientKind values) it is an approved channel for.",
    )
    archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="system_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def approved_for_kind(self, kind: str) -> bool:
        return kind in (self.approved_for or [])


class Account(models.Model):
    """A person holds an account on a system (P9, P11): the row their password changes are
    attested against."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="accounts")
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="system_accounts"
    )
    since = models.DateField(
        "held since",
        null=True,
        blank=True,
        help_text="When the account was created, if known. A password change cannot be "
        "attested before it.",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["system__name", "person__last_name", "person__first_name", "id"]
        constraints = [models.UniqueConstraint(fields=["system", "person"], name="account_unique")]
        indexes = [models.Index(fields=["person", "system"], name="account_person")]

    def __str__(self) -> str:
        return f"{self.person} on {self.system}"


class PasswordChange(models.Model):
    """A person's word that they changed their password for a system on a date (P11).

    Bastion never asks for the password itself. Kept against the system and the person rather
    than the account, so the evidence outlives an account removed and added again.
    """

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="password_changes")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    changed_on = models.DateField("date of the change")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_on", "-id"]
        indexes = [
            models.Index(fields=["system", "person", "changed_on"], name="passwordchange_last")
        ]
        constraints = [
            # One word per change: a form sent twice at once cannot store it twice.
            models.UniqueConstraint(
                fields=["system", "person", "changed_on"], name="passwordchange_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} changed their password for {self.system} on {self.changed_on}"


class LawfulBasis(models.TextChoices):
    """UK GDPR Article 6 (1)."""

    PUBLIC_TASK = "public_task", "Public task (Article 6(1)(e))"
    LEGAL_OBLIGATION = "legal_obligation", "Legal obligation (Article 6(1)(c))"
    VITAL_INTERESTS = "vital_interests", "Vital interests (Article 6(1)(d))"
    CONSENT = "consent", "Consent (Article 6(1)(a))"
    CONTRACT = "contract", "Contract (Article 6(1)(b))"
    LEGITIMATE_INTERESTS = "legitimate_interests", "Legitimate interests (Article 6(1)(f))"


class Transfer(models.Model):
    """Personal data sent out of the school (P8, T5, T8), and whether its channel was approved
    for that kind of recipient when it was sent (stored: approvals change later)."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    sent_on = models.DateField("date sent")
    what = models.CharField(
        "what was sent", max_length=200, help_text="For example: CTF file, report on a child."
    )
    recipient = models.CharField("recipient organisation", max_length=200)
    recipient_kind = models.CharField(
        "kind of recipient", max_length=20, choices=RecipientKind.choices
    )
    channel = models.ForeignKey(
        System, on_delete=models.PROTECT, related_name="transfers", verbose_name="sent through"
    )
    lawful_basis = models.CharField(max_length=24, choices=LawfulBasis.choices)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="sent by"
    )
    notes = models.CharField(max_length=500, blank=True)
    flagged = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_on", "-id"]
        indexes = [
            models.Index(fields=["school", "sent_on"], name="transfer_list"),
            models.Index(fields=["school", "flagged", "sent_on"], name="transfer_flagged"),
        ]

    def __str__(self) -> str:
        return f"{self.what} to {self.recipient} on {self.sent_on}"
