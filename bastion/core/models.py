"""Tenancy (trusts, schools, memberships with roles) and the append-only audit log."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

# The roles a member can hold in one school, in the order pages list them.
ROLES = (
    ("siro", "SIRO"),
    ("dpo", "DPO"),
    ("it_lead", "IT lead"),
    ("office", "Office"),
    ("staff", "Staff"),
    ("governor", "Governor"),
)
ROLE_LABELS = dict(ROLES)
# Roles that can reach personal or sensitive data across the school must use MFA (DfE standard).
PRIVILEGED_ROLES = frozenset({"siro", "dpo", "it_lead"})

NEXT_REVIEW_MESSAGE = "The next review must come after the last review."
DPO_NOT_SIRO_MESSAGE = (
    "The DPO must not be the same person as the SIRO: the policy keeps the roles apart."
)


class Trust(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)

    def __str__(self) -> str:
        return self.name


class SchoolQuerySet(models.QuerySet):
    def for_user(self, user) -> SchoolQuerySet:
        """Schools the user can open: active memberships, plus every school of a trust they run."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        # Subqueries rather than joins: no duplicate rows, so no DISTINCT over every column.
        member_of = Membership.objects.filter(user=user, active=True).values("school_id")
        runs = TrustAdmin.objects.filter(user=user).values("trust_id")
        return self.filter(Q(pk__in=member_of) | Q(trust__in=runs))


class School(models.Model):
    trust = models.ForeignKey(
        Trust, null=True, blank=True, on_delete=models.PROTECT, related_name="schools"
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    urn = models.CharField(
        "URN",
        max_length=7,
        blank=True,
        validators=[RegexValidator(r"^\d{6,7}$", "A URN is 6 or 7 digits.")],
        help_text="The school's Unique Reference Number (6 or 7 digits).",
    )
    policy_review_date = models.DateField(null=True, blank=True)
    next_review_date = models.DateField(null=True, blank=True)
    reviewed_by = models.CharField("Who reviewed the policy", max_length=200, blank=True)
    idle_lock_minutes = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Lock a session after this many minutes without activity (1 to 120).",
    )
    password_max_age_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(30), MaxValueValidator(730)],
        help_text="Ask staff to change their Bastion password after this many days. Empty: never.",
    )

    objects = SchoolQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["urn"],
                condition=~Q(urn=""),
                name="school_urn_unique",
                violation_error_message="Another school already has this URN.",
            ),
            models.CheckConstraint(
                condition=Q(idle_lock_minutes__gte=1, idle_lock_minutes__lte=120),
                name="school_idle_lock_range",
                violation_error_message="The idle lock must be between 1 and 120 minutes.",
            ),
            models.CheckConstraint(
                condition=Q(password_max_age_days__isnull=True)
                | Q(password_max_age_days__gte=30, password_max_age_days__lte=730),
                name="school_password_age_range",
                violation_error_message="The password age must be between 30 and 730 days.",
            ),
            models.CheckConstraint(
                condition=Q(policy_review_date__isnull=True)
                | Q(next_review_date__isnull=True)
                | Q(next_review_date__gt=F("policy_review_date")),
                name="school_next_review_after_review",
                violation_error_message=NEXT_REVIEW_MESSAGE,
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (
            self.policy_review_date
            and self.next_review_date
            and self.next_review_date <= self.policy_review_date
        ):
            raise ValidationError({"next_review_date": NEXT_REVIEW_MESSAGE})


class MembershipQuerySet(models.QuerySet):
    def for_school(self, school: School) -> MembershipQuerySet:
        return self.filter(school=school)

    def active(self) -> MembershipQuerySet:
        return self.filter(active=True, user__is_active=True)


class Membership(models.Model):
    """One person's place in one school, with the roles they hold there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="memberships")
    job_title = models.CharField(max_length=120, blank=True)
    is_siro = models.BooleanField("SIRO", default=False)
    is_dpo = models.BooleanField("DPO", default=False)
    is_it_lead = models.BooleanField("IT lead", default=False)
    is_office = models.BooleanField("Office", default=False)
    is_staff_member = models.BooleanField("Staff", default=True)
    is_governor = models.BooleanField("Governor", default=False)
    active = models.BooleanField(default=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    ROLE_FIELDS = {
        "siro": "is_siro",
        "dpo": "is_dpo",
        "it_lead": "is_it_lead",
        "office": "is_office",
        "staff": "is_staff_member",
        "governor": "is_governor",
    }

    class Meta:
        ordering = ["user__last_name", "user__first_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "school"], name="membership_unique"),
            # The policy: the DPO is a discrete role and must not be the same person as the SIRO.
            models.CheckConstraint(
                condition=~Q(is_siro=True, is_dpo=True),
                name="membership_dpo_not_siro",
                violation_error_message=DPO_NOT_SIRO_MESSAGE,
            ),
            models.UniqueConstraint(
                fields=["school"],
                condition=Q(is_siro=True),
                name="membership_one_siro",
                violation_error_message="The school already has a SIRO.",
            ),
            models.UniqueConstraint(
                fields=["school"],
                condition=Q(is_dpo=True),
                name="membership_one_dpo",
                violation_error_message="The school already has a DPO.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.school}"

    @property
    def roles(self) -> set[str]:
        return {role for role, field in self.ROLE_FIELDS.items() if getattr(self, field)}

    @property
    def role_labels(self) -> list[str]:
        return [label for role, label in ROLES if role in self.roles]

    def clean(self) -> None:
        # Keyed to the field so that full_clean() reports it once, not again as the constraint.
        if self.is_siro and self.is_dpo:
            raise ValidationError({"is_dpo": DPO_NOT_SIRO_MESSAGE})


class TrustAdmin(models.Model):
    """A member of a trust's central team: sees and manages every school of the trust."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="trust_roles"
    )
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="admins")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "trust"], name="trustadmin_unique")]

    def __str__(self) -> str:
        return f"{self.user} (trust admin, {self.trust})"


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_shown(v)}" for k, v in sorted(value.items()))
    return str(value)


class AuditEvent(models.Model):
    """One entry of the append-only, hash-chained audit log (see core/audit.py)."""

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Kept as text too: the log must read the same after a user is renamed.
    actor_label = models.CharField(max_length=254, blank=True)
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["school", "-id"], name="audit_school_recent")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("The audit log is append-only.")

    @property
    def change_lines(self) -> list[tuple[str, str, str | None]]:
        """(field, before, after) for each change, or (field, value, None) for a plain fact."""
        lines = []
        for name, value in sorted((self.changes or {}).items()):
            if isinstance(value, list) and len(value) == 2:
                lines.append((name, _shown(value[0]), _shown(value[1])))
            else:
                lines.append((name, _shown(value), None))
        return lines


class AuditHead(models.Model):
    """The single row that holds the chain's tip, locked while an event is appended."""

    last_hash = models.CharField(max_length=64)
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit head after {self.count} entries"


class ChangeGeneration(models.Model):
    """How many changes have been recorded at a school: every audited change there adds one
    (bastion.core.generations). What is computed from the school's registers (the controls'
    evidence, its trust matrix row, its agreement counts) is kept with the number it was
    computed at, and reused only while the number is the same (bastion.controls.kept)."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.school_id}: change {self.number}"


class StoredFile(models.Model):
    """An uploaded file (evidence, a certificate), kept encrypted at rest in the database.

    In the database rather than on disk: it is then in every backup, never half-written, and
    needs no shared disk between app servers. Files are small (bastion.core.files.MAX_BYTES).
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    ciphertext = models.BinaryField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name
