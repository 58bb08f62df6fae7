"""The demo school's controls: owners, a few checks (cross-cut shredding, T16), and about a
term of daily status history so the dashboard's trend has something to show.

The history is made up but anchored in today's real statuses: going back in time, a few more
controls were not yet met, as a school would see while it puts its registers in order.
"""

from __future__ import annotations

import datetime as dt
import zlib

from django.db import transaction
from django.utils import timezone

from bastion.controls.models import Attestation, ControlSetting, StatusSnapshot
from bastion.controls.registry import ATTENTION, MET, OVERDUE
from bastion.controls.services import snapshot_statuses
from bastion.controls.status import statuses
from bastion.core.models import Membership

HISTORY_DAYS = 112  # about a term
OWNERS = [
    # (code, owner role, frequency)
    ("T16", "office", "termly"),
    ("P7", "siro", "yearly"),
    ("T10", "office", "termly"),
]
CHECKS = [
    # (code, days ago, note)
    ("T16", 150, "Both office shredders are cross-cut (P-4). Confidential waste bin emptied."),
    ("T16", 40, "Checked the office and staff-room shredders: both cross-cut, working."),
    ("P7", 60, "Annual filtering review with the governor for safeguarding: results minuted."),
]


def _member(school, *fields):
    for field in fields:
        membership = (
            Membership.objects.filter(school=school, active=True, **{field: True})
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if membership:
            return membership.user
    return None


@transaction.atomic
def seed_controls(school, *, today: dt.date | None = None) -> int:
    """Owners, checks and a term of status history for `school`; returns the rows created
    (0 when the school already has checks recorded, or nobody to record them)."""
    today = today or timezone.localdate()
    if Attestation.objects.filter(school=school).exists():
        return 0
    office = _member(school, "is_office", "is_siro")
    head = _member(school, "is_siro", "is_office")
    if office is None or head is None:
        return 0
    created = 0
    for code, role, frequency in OWNERS:
        ControlSetting.objects.get_or_create(
            school=school, code=code, defaults={"owner_role": role, "frequency": frequency}
        )
        created += 1
    for code, days_ago, note in CHECKS:
        Attestation.objects.create(
            school=school,
            code=code,
            attested_on=today - dt.timedelta(days=days_ago),
            attested_by=office if code == "T16" else head,
            note=note,
        )
        created += 1
    created += _history(school, today)
    return created


def _history(school, today: dt.date) -> int:
    """Today's real statuses, and made-up earlier days with fewer controls met."""
    snapshot_statuses([school], today)
    now = statuses([school], today)[school.pk]
    rows = []
    for back in range(1, HISTORY_DAYS):
        day = today - dt.timedelta(days=back)
        for code, control in now.items():
            status = control.status
            # Each met control was put right on a day of its own, earlier or later in the term.
            fixed_after = zlib.crc32(code.encode()) % (HISTORY_DAYS + 60)
            if status == MET and back > fixed_after:
                status = OVERDUE if fixed_after % 3 == 0 else ATTENTION
            rows.append(StatusSnapshot(school=school, code=code, day=day, status=status))
    StatusSnapshot.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows) + len(now)
