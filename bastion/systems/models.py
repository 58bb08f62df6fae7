"""The school's systems (P9-P13, T4, T5, T8, T9): who owns them, how accounts work, and which
kinds of recipient each may be used to send personal data to."""

from __future__ import annotations

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
