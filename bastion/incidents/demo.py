"""The demo school's breach log: a handful of incidents at every stage of their handling.

One closed last term (a lost flash drive, encrypted: not reportable), one told to the ICO in
time, and one reported two days ago with the 72-hour clock still running, so the log, its
termly chart and the dashboard's clocks all have something true to show.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

from bastion.core.models import Membership
from bastion.incidents.models import Action, Incident, Kind, Level, Risk


def _user(school, field: str):
    membership = Membership.objects.filter(school=school, active=True, **{field: True}).first()
    return membership.user if membership else None


@transaction.atomic
def seed_incidents(school, *, now: dt.datetime | None = None) -> int:
    """Record the demo incidents once; returns how many were created."""
    if Incident.objects.filter(school=school).exists():
        return 0
    now = now or timezone.now()
    dpo = _user(school, "is_dpo")
    reporter = _user(school, "is_staff_member") or _user(school, "is_office") or dpo
    if dpo is None or reporter is None:
        return 0

    def incident(n, days_ago, kind, what, **fields):
        aware = now - dt.timedelta(days=days_ago)
        return Incident.objects.create(
            school=school,
            reference=f"INC-{aware.year}-{n:04d}",
            submission_key=uuid.uuid4(),
            reporter=reporter,
            kind=kind,
            what_happened=what,
            happened_at=aware - dt.timedelta(hours=3),
            discovered_at=aware - dt.timedelta(minutes=20),
            aware_at=aware,
            **fields,
        )

    lost = incident(
        1,
        120,
        Kind.LOST_DEVICE,
        "An encrypted flash drive with Year 4 reading assessments was left on the bus home.",
        personal_data="Pupils' names and reading ages",
        people_affected=28,
        children_data=True,
        status=Incident.Status.CLOSED,
        likelihood=Level.LOW,
        severity=Level.LOW,
        risk=Risk.NO_RISK,
        assessed_by=dpo,
        assessed_at=now - dt.timedelta(days=119),
        risk_reasoning="The drive is hardware-encrypted (IronKey) and locks after ten tries.",
        notify_ico=False,
        not_notifiable_reason="Encrypted device: the data cannot be read, so no risk to people.",
        tell_people=False,
        not_telling_reason="No risk to the pupils.",
        cause="Drive carried loose in a coat pocket.",
        lessons="Staff reminded to use the remote access service rather than carry data home.",
        closed_at=now - dt.timedelta(days=100),
        closed_by=dpo,
    )
    wrong = incident(
        2,
        40,
        Kind.WRONG_RECIPIENT,
        "A Year 6 pupil's SEN review was e-mailed to another parent with a similar name.",
        personal_data="SEN needs, medical information",
        people_affected=1,
        children_data=True,
        special_category=True,
        status=Incident.Status.TRIAGED,
        likelihood=Level.HIGH,
        severity=Level.MEDIUM,
        risk=Risk.RISK,
        assessed_by=dpo,
        assessed_at=now - dt.timedelta(days=40) + dt.timedelta(hours=5),
        risk_reasoning="Special category data about a child reached an unintended parent.",
        notify_ico=True,
        ico_reference="IC-000000-DEMO",
        ico_notified_at=now - dt.timedelta(days=40) + dt.timedelta(hours=30),
        tell_people=True,
        people_told_on=(now - dt.timedelta(days=39)).date(),
        people_told_how="Meeting with the family and the SENCo",
    )
    Action.objects.create(
        school=school,
        incident=wrong,
        kind=Action.Kind.CONTAINMENT,
        description="Ask the recipient to delete the e-mail and confirm in writing",
        owner=dpo,
        due_on=(now - dt.timedelta(days=39)).date(),
        done_at=now - dt.timedelta(days=39),
    )
    Action.objects.create(
        school=school,
        incident=wrong,
        kind=Action.Kind.PREVENTION,
        description="Turn on the e-mail system's external-recipient warning",
        owner=dpo,
        due_on=(now + dt.timedelta(days=10)).date(),
    )
    incident(
        3,
        2,
        Kind.PASSWORD,
        "A teacher's MIS password was on a sticky note seen by visitors at parents' evening.",
        personal_data="Possible access to the MIS",
        people_affected=None,
    )
    return Incident.objects.filter(school=school).count() if lost else 0
