"""Equipment (T3, T6, T10-T15, P12): locations, devices, loans, backups, secure disposal."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class EquipmentSettings(models.Model):
    """Per-school periods: restore tests (default one term) and location checks."""

    school = models.OneToOneField("core.School", on_delete=models.CASCADE, related_name="+")
    restore_test_days = models.PositiveSmallIntegerField(
        default=120,
        validators=[MinValueValidator(7), MaxValueValidator(730)],
        help_text="A backup set needs a successful restore test at least this often (a term: 120).",
    )
    location_check_days = models.PositiveSmallIntegerField(
        default=90,
        validators=[MinValueValidator(7), MaxValueValidator(730)],
        help_text="Check that lockable rooms and cabinets are locked as expected this often.",
    )

    def __str__(self) -> str:
        return f"equipment settings of {self.school_id}"


class Location(models.Model):
    """A room, cabinet or safe (T10, T11): lockable? fire-proof? what may it hold?"""

    class Kind(models.TextChoices):
        ROOM = "room", "Room"
        CABINET = "cabinet", "Cabinet"
        SAFE = "safe", "Safe"
        OFF_SITE = "off_site", "Off site"

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ROOM)
    lockable = models.BooleanField(default=False)
    fire_proof = models.BooleanField(default=False)
    for_paper_records = models.BooleanField("may hold sensitive paper records", default=False)
    for_servers = models.BooleanField("may hold servers", default=False)
    for_backup_media = models.BooleanField("may hold backup media", default=False)
    notes = models.CharField(max_length=500, blank=True)
    archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="location_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_off_site(self) -> bool:
        return self.kind == self.Kind.OFF_SITE


class LocationCheck(models.Model):
    """A dated check that a location was locked (and fire-proof storage intact) as expected."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="checks")
    checked_on = models.DateField()
    as_expected = models.BooleanField("locked as expected")
    note = models.CharField(max_length=500, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-checked_on", "-id"]
        indexes = [models.Index(fields=["location", "-checked_on"], name="locationcheck_recent")]

    def __str__(self) -> str:
        return f"{self.location_id} checked {self.checked_on}"


class Device(models.Model):
    """One register for everything that holds or guards data (T3, T6, T11, T15)."""

    class Kind(models.TextChoices):
        LAPTOP = "laptop", "Laptop"
        DESKTOP = "desktop", "Desktop"
        TABLET = "tablet", "Tablet"
        PHONE = "phone", "Phone"
        SERVER = "server", "Server"
        NAS = "nas", "Network storage"
        MFD = "mfd", "Photocopier / multi-function printer"
        FLASH_DRIVE = "flash_drive", "Encrypted flash drive"
        BACKUP_TAPE = "backup_tape", "Backup tape"
        BACKUP_DISK = "backup_disk", "Backup disk"
        OTP_TOKEN = "otp_token", "One-time-password token"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        IN_USE = "in_use", "In use"
        IN_STORE = "in_store", "In store"
        ON_LOAN = "on_loan", "On loan"
        LOST = "lost", "Lost"
        STOLEN = "stolen", "Stolen"
        AWAITING_DISPOSAL = "awaiting_disposal", "Awaiting disposal"
        DISPOSED = "disposed", "Disposed"

    PORTABLE = frozenset(
        {"laptop", "tablet", "phone", "flash_drive", "backup_tape", "backup_disk", "otp_token"}
    )
    REMOVABLE_MEDIA = frozenset({"flash_drive", "backup_tape", "backup_disk"})
    BACKUP_MEDIA = frozenset({"backup_tape", "backup_disk"})

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    make = models.CharField(max_length=80, blank=True)
    model = models.CharField(max_length=80, blank=True)
    serial = models.CharField(max_length=80, blank=True)
    asset_tag = models.CharField(max_length=40, blank=True)
    holds_personal_data = models.BooleanField(default=False)
    encrypted = models.BooleanField(default=False)
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="devices"
    )
    assigned_to = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who has it (a laptop's user, a token's holder).",
    )
    manager = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Servers: the member of staff who manages it (must be DBS-checked).",
    )
    purchased_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=18, choices=Status.choices, default=Status.IN_USE)
    # Lost or stolen: when it was reported, and the incident that follows it up (the incidents
    # register fills `incident_reference` when it exists).
    reported_missing_at = models.DateTimeField(null=True, blank=True)
    incident_reference = models.CharField(max_length=40, blank=True)
    notes = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "asset_tag", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "asset_tag"],
                condition=~Q(asset_tag=""),
                name="device_asset_tag_unique",
            )
        ]
        indexes = [models.Index(fields=["school", "status", "kind"], name="device_list")]

    def __str__(self) -> str:
        label = " ".join(p for p in (self.make, self.model) if p) or self.get_kind_display()
        return f"{label} ({self.asset_tag})" if self.asset_tag else label

    @property
    def is_portable(self) -> bool:
        return self.kind in self.PORTABLE

    @property
    def is_backup_medium(self) -> bool:
        return self.kind in self.BACKUP_MEDIA

    @property
    def unencrypted_portable(self) -> bool:
        """T3: a portable device or removable medium holding personal data, not encrypted."""
        return self.is_portable and self.holds_personal_data and not self.encrypted

    @property
    def server_not_locked(self) -> bool:
        """T11: a server outside a lockable location."""
        return self.kind == self.Kind.SERVER and not (self.location and self.location.lockable)


class Loan(models.Model):
    """A device lent to a member of staff or a pupil (T15, P12): out, due back, returned."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="loans")
    borrower = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    out_on = models.DateField()
    due_on = models.DateField(null=True, blank=True, help_text="Empty for a token held for good.")
    condition_out = models.CharField(max_length=200, blank=True)
    returned_on = models.DateField(null=True, blank=True)
    condition_in = models.CharField(max_length=200, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-out_on", "-id"]
        constraints = [
            # A device is out to one borrower at a time.
            models.UniqueConstraint(
                fields=["device"], condition=Q(returned_on__isnull=True), name="loan_one_open"
            ),
            models.CheckConstraint(
                condition=Q(due_on__isnull=True) | Q(due_on__gte=models.F("out_on")),
                name="loan_due_after_out",
            ),
        ]
        indexes = [models.Index(fields=["school", "returned_on", "due_on"], name="loan_open")]

    def __str__(self) -> str:
        return f"{self.device} to {self.borrower} on {self.out_on}"


class BackupSet(models.Model):
    """A backup (T12, T13): what it covers, medium, schedule, encryption, where the copies are."""

    class Medium(models.TextChoices):
        TAPE = "tape", "Tape"
        DISK = "disk", "Disk"
        CLOUD = "cloud", "Cloud / off-site service"

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    covers = models.CharField(max_length=300, help_text="What it backs up (e.g. the admin server).")
    medium = models.CharField(max_length=6, choices=Medium.choices)
    schedule = models.CharField(max_length=120, blank=True, help_text="e.g. nightly, weekly.")
    encrypted = models.BooleanField(default=False)
    provider = models.CharField(max_length=120, blank=True, help_text="Cloud: the service used.")
    location = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Tape and disk: where the media are kept (fire-proof, on site).",
    )
    off_site = models.BooleanField("this copy is off site", default=False)
    media = models.ManyToManyField(Device, blank=True, related_name="backup_sets")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class RestoreTest(models.Model):
    class Result(models.TextChoices):
        SUCCESS = "success", "Restored successfully"
        PARTIAL = "partial", "Partly restored"
        FAILED = "failed", "Failed"

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    backup_set = models.ForeignKey(
        BackupSet, on_delete=models.CASCADE, related_name="restore_tests"
    )
    tested_on = models.DateField()
    restored = models.CharField("what was restored", max_length=300)
    result = models.CharField(max_length=8, choices=Result.choices)
    note = models.CharField(max_length=500, blank=True)
    tested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-tested_on", "-id"]
        indexes = [
            models.Index(fields=["backup_set", "result", "-tested_on"], name="restore_recent")
        ]

    def __str__(self) -> str:
        return f"{self.backup_set_id} restore {self.tested_on}: {self.result}"


class Contractor(models.Model):
    """An approved disposal company (T14), with its WEEE / waste registration details."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=150)
    waste_carrier_registration = models.CharField(max_length=60)
    weee_permit = models.CharField("WEEE permit or exemption", max_length=60, blank=True)
    contact = models.CharField(max_length=200, blank=True)
    approved = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class DisposalBatch(models.Model):
    """Devices collected together by a contractor, with the waste transfer note (T14, T15)."""

    class Status(models.TextChoices):
        OPEN = "open", "Being prepared"
        COMPLETED = "completed", "Completed"

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    # Disposal 1, 2, 3 ... of the school: numbered with no gaps (see disposal.batch_create).
    number = models.PositiveIntegerField()
    contractor = models.ForeignKey(Contractor, on_delete=models.PROTECT, related_name="batches")
    collected_on = models.DateField(null=True, blank=True)
    waste_transfer_note = models.CharField(
        "waste transfer note reference", max_length=60, blank=True
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "number"], name="disposal_number_unique")
        ]

    def __str__(self) -> str:
        return f"Disposal {self.number} ({self.contractor})"


class DisposalItem(models.Model):
    """A device in a batch; one that held data needs its certificate of secure deletion."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(DisposalBatch, on_delete=models.CASCADE, related_name="items")
    device = models.OneToOneField(Device, on_delete=models.PROTECT, related_name="disposal")
    # The device's status before it joined the batch: taking it out of an open batch restores it.
    previous_status = models.CharField(
        max_length=18, choices=Device.Status.choices, default=Device.Status.IN_USE
    )
    certificate_number = models.CharField(max_length=80, blank=True)
    certificate = models.ForeignKey(
        "core.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.device} in {self.batch_id}"

    @property
    def needs_certificate(self) -> bool:
        return self.device.holds_personal_data

    @property
    def certified(self) -> bool:
        return bool(self.certificate_number and self.certificate_id)
