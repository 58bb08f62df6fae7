"""The information asset register (P3, T1, P14's retention): what personal information the school
holds, who owns it, why and on what basis, where it is kept and how long. Together the fields
are the record of processing that UK GDPR Article 30 asks for."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Subject(models.TextChoices):
    PUPILS = "pupils", "Pupils"
    PARENTS = "parents", "Parents and carers"
    STAFF = "staff", "Staff"
    GOVERNORS = "governors", "Governors"
    VOLUNTEERS = "volunteers", "Volunteers"
    APPLICANTS = "applicants", "Applicants (pupils or staff)"
    CONTRACTORS = "contractors", "Contractors"
    VISITORS = "visitors", "Visitors"
    OTHERS = "others", "Others"


class SpecialCategory(models.TextChoices):
    HEALTH = "health", "Health (medical and SEN)"
    ETHNICITY = "ethnicity", "Racial or ethnic origin"
    RELIGION = "religion", "Religious or philosophical beliefs"
    BIOMETRIC = "biometric", "Biometric data"
    GENETIC = "genetic", "Genetic data"
    SEXUALITY = "sexuality", "Sex life or sexual orientation"
    POLITICS = "politics", "Political opinions"
    UNION = "union", "Trade union membership"
    CRIMINAL = "criminal", "Criminal offence data (Article 10)"


class Article9(models.TextChoices):
    """The conditions of UK GDPR Article 9(2) (with the DPA 2018 Schedule 1 for (b), (g)-(j))."""

    CONSENT = "consent", "(a) Explicit consent"
    EMPLOYMENT = "employment", "(b) Employment and social protection law"
    VITAL = "vital", "(c) Vital interests"
    NOT_FOR_PROFIT = "not_for_profit", "(d) Not-for-profit body"
    MADE_PUBLIC = "made_public", "(e) Made public by the person"
    LEGAL_CLAIMS = "legal_claims", "(f) Legal claims"
    PUBLIC_INTEREST = "public_interest", "(g) Substantial public interest"
    HEALTH_CARE = "health_care", "(h) Health or social care"
    PUBLIC_HEALTH = "public_health", "(i) Public health"
    ARCHIVING = "archiving", "(j) Archiving, research or statistics"


class LawfulBasis(models.TextChoices):
    """UK GDPR Article 6(1)."""

    CONSENT = "consent", "(a) Consent"
    CONTRACT = "contract", "(b) Contract"
    LEGAL_OBLIGATION = "legal_obligation", "(c) Legal obligation"
    VITAL = "vital", "(d) Vital interests"
    PUBLIC_TASK = "public_task", "(e) Public task"
    LEGITIMATE = "legitimate", "(f) Legitimate interests"


class Format(models.TextChoices):
    ELECTRONIC = "electronic", "Electronic"
    PAPER = "paper", "Paper"
    BOTH = "both", "Electronic and paper"


class Risk(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class RetentionFrom(models.TextChoices):
    """The event each record's retention period runs from."""

    CREATED = "created", "Its creation"
    PUPIL_LEAVES = "pupil_leaves", "The pupil leaving the school"
    PUPIL_BIRTH = "pupil_birth", "The pupil's date of birth"
    EMPLOYMENT_ENDS = "employment_ends", "The end of employment"
    FINANCIAL_YEAR = "financial_year", "The end of the financial year"
    CASE_CLOSED = "case_closed", "The case being closed"
    OTHER = "other", "Another event"


class Disposal(models.TextChoices):
    SHREDDING = "shredding", "Cross-cut shredding"
    CONFIDENTIAL_WASTE = "confidential_waste", "Confidential waste contractor"
    SECURE_DELETION = "secure_deletion", "Secure deletion"
    TRANSFER = "transfer", "Transfer to the next school or the local authority"
    ARCHIVE = "archive", "Permanent archive"
    OTHER = "other", "Other"


class InformationAsset(models.Model):
    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    # A stable key in the spreadsheet: an import matches rows to assets by it.
    reference = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    description = models.TextField("what it is and why the school holds it (purpose)", blank=True)
    owner = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="information asset owner",
    )
    data_subjects = models.JSONField("whose data it is", default=list, blank=True)
    personal_data = models.TextField("categories of personal data", blank=True)
    special_category = models.BooleanField("holds special category data", default=False)
    special_categories = models.JSONField("which special categories", default=list, blank=True)
    article9_condition = models.CharField(
        "Article 9 condition", max_length=20, choices=Article9.choices, blank=True
    )
    lawful_basis = models.CharField(
        "lawful basis (Article 6)", max_length=20, choices=LawfulBasis.choices, blank=True
    )
    source = models.CharField("where the data comes from", max_length=300, blank=True)
    # Where it is held: a system of the systems register, a place, or words for anything else.
    system = models.ForeignKey(
        "systems.System", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    location = models.ForeignKey(
        "equipment.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    held_elsewhere = models.CharField("held elsewhere", max_length=200, blank=True)
    secure_area = models.BooleanField("held in a secure area", default=False)
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.ELECTRONIC)
    access = models.TextField("who has access", blank=True)
    shared_with = models.TextField("who it is shared with", blank=True)
    transfers_abroad = models.CharField("transfers outside the UK", max_length=300, blank=True)
    security = models.TextField("security measures", blank=True)
    retention_years = models.PositiveSmallIntegerField(
        "retention period (years)",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(150)],
    )
    retention_from = models.CharField(
        "counted from", max_length=20, choices=RetentionFrom.choices, blank=True
    )
    retention_note = models.CharField("retention, in words", max_length=300, blank=True)
    held_until = models.DateField("held until", null=True, blank=True)
    weeded_on = models.DateField("records past their period last removed", null=True, blank=True)
    disposal = models.CharField(
        "disposal method", max_length=20, choices=Disposal.choices, blank=True
    )
    risk = models.CharField("risk", max_length=10, choices=Risk.choices, default=Risk.MEDIUM)
    dpia_needed = models.BooleanField("needs a DPIA", default=False)
    dpia_done_on = models.DateField("DPIA done on", null=True, blank=True)
    last_reviewed_on = models.DateField("last reviewed", null=True, blank=True)
    archived_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "reference"], name="asset_reference_unique")
        ]
        indexes = [
            models.Index(fields=["school", "name"], name="asset_list"),
            models.Index(fields=["school", "owner"], name="asset_owner"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def archived(self) -> bool:
        return self.archived_on is not None

    def subject_labels(self) -> list[str]:
        return labels(Subject, self.data_subjects)

    def special_labels(self) -> list[str]:
        return labels(SpecialCategory, self.special_categories)


def labels(choices, values) -> list[str]:
    """The labels of `values`, in the order of the choices (unknown values are skipped)."""
    chosen = set(values or [])
    return [label for value, label in choices.choices if value in chosen]


class RegisterSettings(models.Model):
    """Per school: the column choices of its last spreadsheet import, offered next time."""

    school = models.OneToOneField("core.School", on_delete=models.CASCADE, related_name="+")
    import_mapping = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"asset register settings of {self.school_id}"


class AssetImport(models.Model):
    """An uploaded register spreadsheet between upload, column choice, preview and import."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        PLANNED = "planned", "Checked, waiting to be imported"
        DONE = "done", "Imported"

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=200)
    payload = models.BinaryField()  # the file, encrypted (bastion.lib.crypto)
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    errors = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename
