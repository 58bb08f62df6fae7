"""P7 computed from the register against hand-built schools."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.controls.registry import ATTENTION, COMPUTED, MET, OVERDUE
from bastion.core.models import School
from bastion.filtering.controls import filtering_and_monitoring
from bastion.filtering.models import FilteringSetup, Provider
from tests.filtering.conftest import TODAY, add_person, check

pytestmark = pytest.mark.django_db


def test_the_control_is_registered():
    assert [p.name for p in COMPUTED["P7"] if p.func is filtering_and_monitoring] == [
        "Web filtering and monitoring"
    ]


def _school(trust, n, *, leader=True, governor=True, wired=True, wireless=True, filters=True):
    school = School.objects.create(trust=trust, name=f"School {n}", slug=f"s{n}", urn=f"9900{n}")
    FilteringSetup.objects.create(
        school=school,
        senior_leader=add_person(school) if leader else None,
        governor=add_person(school, kind="governor") if governor else None,
    )
    Provider.objects.create(
        school=school, name="Filter", filters=filters, covers_wired=wired, covers_wireless=wireless
    )
    return school


def test_each_status_on_hand_built_schools_in_one_query(trust, siro):
    good = _school(trust, 0)
    check(siro, good, days_ago=200, kind="review")
    check(siro, good, days_ago=30)
    unnamed = _school(trust, 1, leader=False, governor=False)
    check(siro, unnamed, days_ago=10, kind="review")
    wired_only = _school(trust, 2, wireless=False)
    check(siro, wired_only, days_ago=10, kind="review")
    monitor_only = _school(trust, 3, filters=False)
    check(siro, monitor_only, days_ago=10, kind="review")
    old_review = _school(trust, 4)
    check(siro, old_review, days_ago=366, kind="review")
    check(siro, old_review, days_ago=5)  # a check is not the yearly review
    never = _school(trust, 5)
    check_due = _school(trust, 6)
    check(siro, check_due, days_ago=130, kind="review")
    bare = School.objects.create(trust=trust, name="Bare", slug="bare", urn="990099")
    schools = [good, unnamed, wired_only, monitor_only, old_review, never, check_due, bare]

    with CaptureQueriesContext(connection) as queries:
        found = filtering_and_monitoring(schools, TODAY)
    assert len(queries) == 1

    assert found[good.pk].status == MET
    assert found[good.pk].summary.startswith(
        "Reviewed on 14 August 2025; next review by 14 August 2026"
    )
    assert found[unnamed.pk].status == ATTENTION
    assert "no senior leader is named; no governor is named" in found[unnamed.pk].summary
    assert found[wired_only.pk].status == ATTENTION
    assert "filtering does not cover the wireless network" in found[wired_only.pk].summary
    assert found[monitor_only.pk].status == ATTENTION
    assert "no filtering provider is recorded" in found[monitor_only.pk].summary
    assert found[old_review.pk].status == OVERDUE
    assert "over a year ago" in found[old_review.pk].summary
    assert found[old_review.pk].actions[0].url == "/s/s4/filtering/checks/add/?kind=review"
    assert found[never.pk].status == OVERDUE
    assert found[never.pk].summary.startswith("No yearly review")
    assert found[check_due.pk].status == ATTENTION  # termly: 130 days since the last check
    assert "a check was due on" in found[check_due.pk].summary
    assert found[bare.pk].status == OVERDUE
    assert len(found[bare.pk].actions) == 4  # review, leader, governor, provider
