"""The people directory (everyone the policy touches) and the Single Central Record (P5, T7)."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bastion.lib.search import fold


class Kind(models.TextChoices):
    STAFF = "staff", "Staff"
    GOVERNOR = "governor", "Governor or trustee"
    VOLUNTEER = "volunteer", "Volunteer"
    CONTRACTOR = "contractor", "Contractor"
    PUPIL = "pupil", "Pupil"
    PARENT = "parent", "Parent or carer"


class Contract(models.TextChoices):
    PERMANENT = "permanent", "Permanent"
    FIXED_TERM = "fixed_term", "Fixed term"
    SUPPLY = "supply", "Supply"
    AGENCY = "agency", "Agency"
    CASUAL = "casual", "Casual"


# Year groups as schools write them, in order: nursery, reception, then years 1 to 14.
YEAR_GROUPS = [("N1", "Nursery 1"), ("N2", "Nursery 2"), ("R", "Reception")] + [
    (str(y), f"Year {y}") for y in range(1, 15)
]


SEARCH_NAME_LENGTH = 210  # both names (100 each), with room for ß folding to ss


def current_q(today=None) -> Q:
    return Q(left_on__isnull=True) | Q(left_on__gt=today or timezone.localdate())


class PersonQuerySet(models.QuerySet):
    def for_school(self, school) -> PersonQuerySet:
        return self.filter(school=school)

    def current(self) -> PersonQuerySet:
        """Still here today: never left, or leaving on a date still to come."""
        return self.filter(current_q())

    def left(self) -> PersonQuerySet:
        return self.exclude(current_q())

    def in_scr_scope(self) -> PersonQuerySet:
        """Everyone the Single Central Record must cover (KCSIE): staff of every contract,
        governors and trustees, contractors, and volunteers in regulated activity."""
        # The plain IN first lets the database use the (school, kind, name) index instead of
        # reading every pupil and parent of the school to reach the few dozen adults.
        return self.filter(
            kind__in=[Kind.STAFF, Kind.GOVERNOR, Kind.CONTRACTOR, Kind.VOLUNTEER]
        ).filter(
            Q(kind__in=[Kind.STAFF, Kind.GOVERNOR, Kind.CONTRACTOR])
            | Q(kind=Kind.VOLUNTEER, regulated_activity=True)
        )


class Person(models.Model):
    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="people")
    kind = models.CharField(max_length=12, choices=Kind.choices, db_index=True)
    # The MIS's stable id: UPN for pupils, staff code for staff, contact id for parents.
    mis_id = models.CharField("MIS id", max_length=40, blank=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )
    # Staff, governors, volunteers, contractors.
    job_title = models.CharField(max_length=120, blank=True)
    contract = models.CharField(max_length=12, choices=Contract.choices, blank=True)
    agency_name = models.CharField(max_length=120, blank=True)
    started_on = models.DateField(null=True, blank=True)
    regulated_activity = models.BooleanField(
        default=False,
        help_text="In regulated activity with children (volunteers, governors, contractors).",
    )
    teaching_role = models.BooleanField(
        default=False, help_text="Carries out teaching work (prohibition check needed)."
    )
    management_role = models.BooleanField(
        default=False, help_text="In management or a governor (section 128 check needed)."
    )
    lived_overseas = models.BooleanField(
        default=False, help_text="Lived or worked outside the UK (overseas checks needed)."
    )
    qualifications_required = models.BooleanField(
        default=False, help_text="The post requires qualifications to be checked."
    )
    # Pupils.
    year_group = models.CharField(max_length=3, choices=YEAR_GROUPS, blank=True)
    class_name = models.CharField("class", max_length=40, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    # Leavers are archived, never deleted.
    left_on = models.DateField(null=True, blank=True, db_index=True)
    # The names folded for search (bastion.lib.search): "zoeoneill" for Zoë O'Neill.
    search_name = models.CharField(max_length=SEARCH_NAME_LENGTH, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "kind", "mis_id"],
                condition=~Q(mis_id=""),
                name="person_mis_id_unique",
            )
        ]
        indexes = [
            models.Index(fields=["school", "kind", "last_name", "first_name"], name="person_list"),
            models.Index(fields=["school", "year_group", "class_name"], name="person_class"),
            models.Index(fields=["school", "search_name"], name="person_search"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def save(self, *args, **kwargs):
        # A copy of the names in another form, not a rule: kept with them wherever a row is
        # saved. Bulk writes (imports, the demo) call fold_search_name themselves.
        self.fold_search_name()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"first_name", "last_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    def fold_search_name(self) -> None:
        self.search_name = fold(f"{self.first_name} {self.last_name}")[:SEARCH_NAME_LENGTH]

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_current(self) -> bool:
        return self.left_on is None or self.left_on > timezone.localdate()


class Relationship(models.TextChoices):
    MOTHER = "mother", "Mother"
    FATHER = "father", "Father"
    CARER = "carer", "Carer"
    GUARDIAN = "guardian", "Guardian"
    GRANDPARENT = "grandparent", "Grandparent"
    OTHER = "other", "Other"


class ParentLink(models.Model):
    """A parent or carer of a pupil, with their relationship and parental responsibility."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="child_links")
    child = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="parent_links")
    relationship = models.CharField(max_length=12, choices=Relationship.choices)
    parental_responsibility = models.BooleanField(default=True)
    contact_priority = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["contact_priority", "id"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "child"], name="parentlink_unique"),
            models.CheckConstraint(
                condition=~Q(parent=models.F("child")), name="parentlink_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent} ({self.get_relationship_display()}) of {self.child}"


class Check(models.TextChoices):
    IDENTITY = "identity", "Identity"
    DBS = "dbs", "Enhanced DBS certificate"
    BARRED_LIST = "barred_list", "Children's barred list"
    PROHIBITION = "prohibition", "Prohibition from teaching"
    SECTION_128 = "section_128", "Section 128 (management)"
    OVERSEAS = "overseas", "Overseas / further checks"
    RIGHT_TO_WORK = "right_to_work", "Right to work in the UK"
    QUALIFICATIONS = "qualifications", "Qualifications"
    AGENCY_CONFIRMATION = "agency_confirmation", "Agency's written confirmation"


class SCRCheck(models.Model):
    """One check on one person's Single Central Record entry: done when, by whom, or not needed."""

    class State(models.TextChoices):
        DONE = "done", "Complete"
        ACTION_NEEDED = "action_needed", "Action needed"
        NOT_REQUIRED = "not_required", "Not required for this role"

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="scr_checks")
    check_type = models.CharField("check", max_length=24, choices=Check.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DONE)
    done_on = models.DateField(null=True, blank=True)
    checked_by = models.CharField(max_length=150, blank=True)
    # The DBS certificate number, the document seen, the agency letter's reference...
    reference = models.CharField(max_length=60, blank=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["person_id", "check_type"]
        constraints = [
            models.UniqueConstraint(fields=["person", "check_type"], name="scrcheck_unique"),
            models.CheckConstraint(
                condition=~Q(state="done") | Q(done_on__isnull=False),
                name="scrcheck_done_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_check_type_display()} for {self.person_id}: {self.get_state_display()}"


class SCREntry(models.Model):
    """The per-person facts of the Single Central Record beyond single checks.

    `missing` and `complete` are kept up to date by the services that change checks and people
    (people/scr.py), so the report can filter and sort gaps first in SQL at trust scale; the
    time-dependent parts (re-check due) are computed in the query.
    """

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="scr")
    update_service = models.BooleanField("subscribed to the DBS Update Service", default=False)
    update_service_checked_on = models.DateField(null=True, blank=True)
    risk_assessment_on = models.DateField(
        null=True, blank=True, help_text="Dated risk assessment when starting before the DBS check."
    )
    risk_assessment_note = models.CharField(max_length=500, blank=True)
    missing = models.CharField(max_length=300, blank=True)
    started_before_dbs = models.BooleanField(default=False)
    complete = models.BooleanField(default=False, db_index=True)
    dbs_on = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["school", "complete"], name="scr_gaps")]

    def __str__(self) -> str:
        return f"SCR entry of {self.person_id}"

    @property
    def missing_checks(self) -> list[str]:
        labels = dict(Check.choices)
        return [labels[c] for c in self.missing.split(",") if c]


class PeopleSettings(models.Model):
    """Per-school settings of the people directory: SCR re-check period, import mappings."""

    school = models.OneToOneField("core.School", on_delete=models.CASCADE, related_name="+")
    dbs_recheck_years = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Re-check DBS after this many years. Empty: no re-check."
    )
    # {"staff": {"Legal Surname": "last_name", ...}, "pupils": {...}}: remembered column maps.
    import_mappings = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"people settings of {self.school_id}"


class ImportJob(models.Model):
    """One roster import: the uploaded file (encrypted), the chosen mapping, the plan, progress.

    Small imports run inside the request; large ones are applied by `run_schedule` (or the
    worker loop) while the page shows a progress bar.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Choose columns"
        PLANNED = "planned", "Ready to import"
        QUEUED = "queued", "Waiting to import"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"
        UNDONE = "undone", "Undone"

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10)  # staff, pupils, contacts, ctf
    filename = models.CharField(max_length=200)
    payload = models.BinaryField()  # the file, encrypted (bastion.lib.crypto); emptied when done
    digest = models.CharField(max_length=64)
    mapping = models.JSONField(default=dict, blank=True)
    # Off unless asked for: a partial file must never archive everyone it leaves out.
    mark_leavers = models.BooleanField(default=False)
    summary = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # What undoing the import needs, one record per plan applied (imports.apply_plan): the
    # people created, each updated field's value before, who was marked as left, the links.
    undo = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} import {self.filename} ({self.status})"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0
