"""The demo school's equipment: rooms and cabinets, devices, a loan, backups and a disposal.

As the seed policy describes Ashmole Primary: servers in a locked room managed by DBS-checked
staff, encrypted laptops and flash drives, backup tapes in a fire-proof safe, LGfL GridStore
off site, admissions OTP tags, and an approved WEEE contractor. A few things are left wrong on
purpose (one unencrypted laptop, a restore test overdue) so the registers have work to show.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from bastion.core.models import Membership
from bastion.equipment.models import (
    BackupSet,
    Contractor,
    Device,
    DisposalBatch,
    DisposalItem,
    Loan,
    Location,
    LocationCheck,
    RestoreTest,
)
from bastion.people.models import Kind, Person


def _officer(school, field: str):
    membership = (
        Membership.objects.filter(school=school, active=True, **{field: True})
        .select_related("user")
        .first()
    )
    return membership.user if membership else None


@transaction.atomic
def seed_equipment(school, *, today: dt.date | None = None) -> int:
    """Fill the school's equipment registers once; returns how many devices were created."""
    if Location.objects.filter(school=school).exists():
        return 0
    today = today or dt.date.today()
    it = _officer(school, "is_it_lead") or _officer(school, "is_siro")
    if it is None:
        return 0
    staff = list(Person.objects.filter(school=school, kind=Kind.STAFF).order_by("id")[:12])
    it_person = Person.objects.filter(school=school, user=it).first() or (
        staff[0] if staff else None
    )

    def place(name, kind, **flags):
        return Location.objects.create(school=school, name=name, kind=kind, **flags)

    server_room = place(
        "Server room",
        Location.Kind.ROOM,
        lockable=True,
        for_servers=True,
        notes="Key with the IT lead",
    )
    office = place(
        "School office cabinets", Location.Kind.CABINET, lockable=True, for_paper_records=True
    )
    safe = place(
        "Fire-proof safe (office)",
        Location.Kind.SAFE,
        lockable=True,
        fire_proof=True,
        for_backup_media=True,
        for_paper_records=True,
    )
    store = place("IT store cupboard", Location.Kind.CABINET, lockable=True)
    for location, days in ((server_room, 20), (office, 35), (safe, 35), (store, 140)):
        LocationCheck.objects.create(
            school=school,
            location=location,
            checked_on=today - dt.timedelta(days=days),
            as_expected=True,
            checked_by=it,
        )

    def device(kind, make, model, tag, **fields):
        fields.setdefault("purchased_on", today - dt.timedelta(days=700))
        return Device.objects.create(
            school=school, kind=kind, make=make, model=model, asset_tag=tag, **fields
        )

    K = Device.Kind
    device(
        K.SERVER,
        "Dell",
        "PowerEdge T150 (admin)",
        "ASH-SRV-01",
        holds_personal_data=True,
        encrypted=True,
        location=server_room,
        manager=it_person,
    )
    device(
        K.SERVER,
        "Dell",
        "PowerEdge T150 (curriculum)",
        "ASH-SRV-02",
        holds_personal_data=True,
        encrypted=True,
        location=server_room,
        manager=it_person,
    )
    laptops = [
        device(
            K.LAPTOP,
            "Lenovo",
            "ThinkPad E14",
            f"ASH-LT-{n:02d}",
            holds_personal_data=True,
            encrypted=True,
            assigned_to=person,
        )
        for n, person in enumerate(staff[:8], start=1)
    ]
    device(
        K.LAPTOP,
        "HP",
        "ProBook 450 G5",
        "ASH-LT-09",
        holds_personal_data=True,
        encrypted=False,
        location=store,
        status=Device.Status.IN_STORE,
        notes="Older laptop: BitLocker not yet turned on",
    )
    for n in range(1, 5):
        device(
            K.FLASH_DRIVE,
            "Kingston",
            "IronKey Vault Privacy 50",
            f"ASH-USB-{n:02d}",
            holds_personal_data=True,
            encrypted=True,
            location=safe,
            status=Device.Status.IN_STORE,
        )
    tapes = [
        device(
            K.BACKUP_TAPE,
            "HPE",
            "LTO-8 cartridge",
            f"ASH-TAPE-{n}",
            holds_personal_data=True,
            encrypted=True,
            location=safe,
            status=Device.Status.IN_STORE,
        )
        for n in (1, 2)
    ]
    for n, person in enumerate(staff[8:10], start=1):
        device(K.OTP_TOKEN, "LGfL", "OTP tag (admissions)", f"ASH-OTP-{n}", assigned_to=person)
    device(
        K.MFD,
        "Canon",
        "imageRUNNER C3226i",
        "ASH-MFD-01",
        holds_personal_data=True,
        encrypted=True,
        location=office,
    )
    old = device(
        K.DESKTOP,
        "Dell",
        "OptiPlex 3050",
        "ASH-PC-07",
        holds_personal_data=True,
        encrypted=False,
        location=store,
        status=Device.Status.AWAITING_DISPOSAL,
        purchased_on=today - dt.timedelta(days=365 * 7),
    )

    if len(staff) > 3 and laptops:
        lent = laptops[-1]
        Loan.objects.create(
            school=school,
            device=lent,
            borrower=staff[3],
            out_on=today - dt.timedelta(days=5),
            due_on=today + dt.timedelta(days=9),
            condition_out="Good",
            issued_by=it,
        )
        Device.objects.filter(pk=lent.pk).update(status=Device.Status.ON_LOAN)

    tape_set = BackupSet.objects.create(
        school=school,
        name="Nightly tapes",
        covers="Admin and curriculum servers",
        medium=BackupSet.Medium.TAPE,
        schedule="Nightly, two tapes in rotation",
        encrypted=True,
        location=safe,
    )
    tape_set.media.set(tapes)
    grid = BackupSet.objects.create(
        school=school,
        name="GridStore off-site backup",
        covers="Admin and curriculum servers",
        medium=BackupSet.Medium.CLOUD,
        schedule="Nightly",
        encrypted=True,
        provider="LGfL GridStore",
        off_site=True,
    )
    RestoreTest.objects.create(
        school=school,
        backup_set=tape_set,
        tested_on=today - dt.timedelta(days=40),
        restored="The finance folder from last Friday",
        result=RestoreTest.Result.SUCCESS,
        tested_by=it,
    )
    RestoreTest.objects.create(
        school=school,
        backup_set=grid,
        tested_on=today - dt.timedelta(days=150),
        restored="A deleted staff-shared folder",
        result=RestoreTest.Result.SUCCESS,
        tested_by=it,
    )

    contractor = Contractor.objects.create(
        school=school,
        name="Greenway IT Recycling Ltd (demo)",
        waste_carrier_registration="CBDU000000",
        weee_permit="EPR/XX0000XX",
        contact="collections@greenway.example.org",
    )
    batch = DisposalBatch.objects.create(
        school=school, number=1, contractor=contractor, created_by=it
    )
    DisposalItem.objects.create(
        school=school, batch=batch, device=old, previous_status=Device.Status.IN_STORE
    )
    return Device.objects.filter(school=school).count()
