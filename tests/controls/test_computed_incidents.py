"""P4: incidents past the 72-hour ICO clock without a decision, decisions due, triage."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from bastion.controls.registry import ATTENTION, MET, OVERDUE
from bastion.incidents import controls
from bastion.incidents.models import Incident

TODAY = dt.date(2026, 11, 27)


def incident(school, reporter, *, hours_ago: float, n: int, **fields) -> Incident:
    aware = timezone.now() - dt.timedelta(hours=hours_ago)
    return Incident.objects.create(
        school=school,
        reference=f"INC-2026-{n:04d}",
        submission_key=uuid.uuid4(),
        reporter=reporter,
        kind="lost_device",
        what_happened="A made-up laptop was left on a train.",
        discovered_at=aware,
        aware_at=aware,
        **fields,
    )


def test_p4_is_met_with_no_incident_waiting(school, staff):
    incident(school, staff, hours_ago=100, n=1, status="closed", notify_ico=False)
    evidence = controls.incident_clocks([school], TODAY)[school.pk]
    assert evidence.status == MET
    assert "1 incident in the last year, 0 open" in evidence.summary


def test_p4_is_overdue_past_72_hours_without_a_decision(school, other_school, staff, outsider):
    incident(school, staff, hours_ago=80, n=1, status="triaged")  # late, undecided
    incident(school, staff, hours_ago=90, n=2, status="triaged", notify_ico=False)  # decided
    incident(school, staff, hours_ago=5, n=3)  # reported, clock running
    incident(other_school, outsider, hours_ago=10, n=1, status="triaged")
    found = controls.incident_clocks([school, other_school], TODAY)
    mine = found[school.pk]
    assert mine.status == OVERDUE
    texts = [a.text for a in mine.actions]
    assert texts == [
        "1 incident past the 72-hour ICO clock without a decision",
        "1 incident awaiting the ICO decision within 72 hours",
        "1 incident waiting for triage",
    ]
    assert mine.actions[0].url == f"/s/{school.slug}/incidents/log/?notified=pending"
    assert found[other_school.pk].status == ATTENTION


def test_p4_a_notified_incident_stops_the_clock(school, staff):
    incident(
        school,
        staff,
        hours_ago=100,
        n=1,
        status="triaged",
        notify_ico=True,
        ico_notified_at=timezone.now() - dt.timedelta(hours=50),
    )
    assert controls.incident_clocks([school], TODAY)[school.pk].status == MET


def test_p4_uses_one_query(school, other_school, django_assert_num_queries):
    with django_assert_num_queries(1):
        controls.incident_clocks([school, other_school], TODAY)
