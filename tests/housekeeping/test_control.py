"""P14 computed from the campaigns, against hand-built schools, with the thresholds of
bastion/housekeeping/controls.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.controls.registry import ATTENTION, COMPUTED, MET, OVERDUE
from bastion.core.models import School
from bastion.housekeeping.controls import housekeeping
from bastion.housekeeping.models import Attestation, Campaign
from tests.conftest import add_member
from tests.housekeeping.conftest import TODAY, add_teacher

pytestmark = pytest.mark.django_db


def test_the_control_is_registered():
    assert [p.name for p in COMPUTED["P14"] if p.func is housekeeping] == ["Housekeeping"]


def _school(trust, siro, n):
    school = School.objects.create(trust=trust, name=f"School {n}", slug=f"s{n}", urn=f"8000{n}")
    add_member(siro, school, "siro")
    return school


def _campaign(school, siro, year, opened, deadline, staff=2, done=2):
    campaign = Campaign.objects.create(
        school=school, year=year, opened_on=opened, deadline=deadline, opened_by=siro
    )
    for i in range(staff):
        user, person = add_teacher(school, f"{year}{i}", started_on=dt.date(2020, 1, 1))
        if i < done:
            Attestation.objects.create(
                school=school,
                campaign=campaign,
                person=person,
                user=user,
                attested_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            )
    return campaign


def test_each_threshold_on_hand_built_schools_in_two_queries(trust, siro):
    never = _school(trust, siro, 0)
    running = _school(trust, siro, 1)
    _campaign(running, siro, 2025, dt.date(2026, 5, 1), dt.date(2026, 7, 17), staff=4, done=1)
    late = _school(trust, siro, 2)
    _campaign(late, siro, 2025, dt.date(2026, 4, 1), dt.date(2026, 5, 29), staff=3, done=2)
    done = _school(trust, siro, 3)
    _campaign(done, siro, 2025, dt.date(2026, 4, 1), dt.date(2026, 5, 29))
    last_year = _school(trust, siro, 4)  # 2024/25, one missing: its year is over
    _campaign(last_year, siro, 2024, dt.date(2025, 6, 2), dt.date(2025, 7, 18), staff=2, done=1)
    ageing = _school(trust, siro, 5)
    _campaign(ageing, siro, 2024, dt.date(2025, 6, 2), dt.date(2025, 6, 30))
    stale = _school(trust, siro, 6)
    _campaign(stale, siro, 2023, dt.date(2024, 6, 3), dt.date(2024, 7, 19))
    _campaign(stale, siro, 2024 - 2, dt.date(2023, 6, 5), dt.date(2023, 7, 14))
    schools = [never, running, late, done, last_year, ageing, stale]

    with CaptureQueriesContext(connection) as queries:
        found = housekeeping(schools, TODAY)
    assert len(queries) == 2

    assert found[never.pk].status == ATTENTION
    assert found[never.pk].actions[0].url == "/s/s0/housekeeping/campaigns/"

    assert found[running.pk].status == MET
    assert found[running.pk].summary == (
        "Housekeeping 2025/26 is running: 1 of 4 staff have attested (25%); deadline 17 July 2026"
    )
    assert found[running.pk].value == 0.25

    assert found[late.pk].status == OVERDUE
    assert "1 of 3 staff have not attested" in found[late.pk].summary
    assert found[late.pk].actions[0].count == 1

    assert found[done.pk].status == MET
    assert found[last_year.pk].status == MET  # 318 days since its deadline
    assert "1 of 2 staff have attested (50%)" in found[last_year.pk].summary
    assert found[ageing.pk].status == ATTENTION  # 336 days: the next is due within a month
    assert found[stale.pk].status == OVERDUE  # the latest closed more than a year ago
    assert "2023/24" in found[stale.pk].summary
