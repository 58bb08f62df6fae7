"""Made-up removals of data for the demo school: returned, destroyed, off site now, one
overdue, one awaiting approval. Needs the people directory and a SIRO and DPO."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from bastion.core.models import Membership
from bastion.equipment.models import Device
from bastion.offsite.models import Removal
from bastion.people.models import Kind, Person

Status = Removal.Status
# (what, why, days ago it left, days it stays, status)
ROWS = [
    (
        "Year 6 SATs practice results (names and scores)",
        "Marking over half term",
        70,
        9,
        "returned",
    ),
    (
        "EHCP review notes for two pupils",
        "Annual review meeting at the local authority",
        40,
        2,
        "destroyed",
    ),
    (
        "Year 3 reading assessment spreadsheet",
        "Moderation with the partner school",
        5,
        14,
        "approved",
    ),
    ("Class photos for the leavers' book", "Editing the leavers' book at home", 12, 10, "approved"),
    (
        "Governors' finance pack with staff salaries",
        "Preparing for the finance committee",
        -2,
        3,
        "requested",
    ),
]


@transaction.atomic
def seed_offsite(school, *, today: dt.date | None = None) -> int:
    """Fill the school's off-site log once; returns how many removals were created."""
    if Removal.objects.filter(school=school).exists():
        return 0
    today = today or timezone.localdate()
    officers = {
        role: m.user
        for m in Membership.objects.active().filter(school=school).select_related("user")
        for role in ("siro", "dpo")
        if getattr(m, f"is_{role}")
    }
    staff = list(
        Person.objects.for_school(school).current().filter(kind=Kind.STAFF).order_by("pk")[:8]
    )
    if len(officers) < 2 or len(staff) < len(ROWS) + 2:
        return 0
    drives = list(
        Device.objects.filter(
            school=school, kind__in=["flash_drive", "laptop"], encrypted=True
        ).exclude(status__in=["lost", "stolen", "awaiting_disposal", "disposed"])[:2]
    )
    removals = []
    for i, (what, why, ago, stays, status) in enumerate(ROWS):
        taken = today - dt.timedelta(days=ago)
        device = drives[i % len(drives)] if drives and i % 2 == 0 else None
        removal = Removal(
            school=school,
            person=staff[i + 2],
            what=what,
            why=why,
            device=device,
            medium="" if device else "Encrypted USB drive (IronKey, school issue)",
            medium_encrypted=device is None,
            taken_on=taken,
            due_on=taken + dt.timedelta(days=stays),
            status=status,
            requested_by=officers["siro"],
        )
        if status != Status.REQUESTED:
            removal.decided_by = officers["dpo"]
            removal.decided_at = timezone.now() - dt.timedelta(days=max(ago, 0) + 1)
        if status in Removal.CLOSED:
            removal.closed_on = removal.due_on
            removal.closed_by = officers["dpo"]
        removals.append(removal)
    Removal.objects.bulk_create(removals)
    return len(removals)
