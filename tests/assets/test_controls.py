"""P3 and T1 from hand-built registers, for several schools at once in a fixed number of
queries."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.assets import controls
from bastion.controls.registry import ATTENTION, COMPUTED, MET, OVERDUE
from bastion.core.models import School
from tests.assets.assets import TODAY, asset, staff_member

pytestmark = pytest.mark.django_db


def test_both_parts_are_registered():
    assert "Information asset register" in [p.name for p in COMPUTED["P3"]]
    assert "Secure storage of sensitive data" in [p.name for p in COMPUTED["T1"]]


def test_p3_for_a_kept_register_a_neglected_one_and_an_empty_one(school, other_school):
    empty = School.objects.create(name="Empty Primary", slug="empty", urn="100002")
    asset(school, "Pupil records", owner=staff_member(school))
    owner = staff_member(other_school)
    asset(other_school, "Payroll", owner=owner)
    asset(other_school, "Nobody's", owner=None)
    asset(other_school, "Stale", owner=owner, last_reviewed_on=dt.date(2024, 1, 1))
    asset(other_school, "Expired", owner=owner, held_until=dt.date(2026, 1, 1))
    asset(other_school, "Archived", archived_on=TODAY)
    found = controls.asset_register([school, other_school, empty], TODAY)

    kept = found[school.pk]
    assert (kept.status, kept.value, kept.actions) == (MET, 1.0, ())
    assert kept.summary.startswith("1 of 1 asset has a current owner")

    neglected = found[other_school.pk]
    assert neglected.status == OVERDUE
    assert neglected.value == 0.25
    assert [(a.text, a.count) for a in neglected.actions] == [
        ("Name a current owner for 1 asset", 1),
        ("Review 1 asset", 1),
        ("Dispose of or weed 1 asset past their retention period", 1),
    ]
    assert neglected.actions[1].url == "/s/brookfield/assets/?flag=review_due"

    assert found[empty.pk].status == ATTENTION
    assert found[empty.pk].value == 0.0


def test_p3_asks_for_an_owner_but_is_not_overdue_for_it(school):
    asset(school, "Nobody's", owner=None)
    assert controls.asset_register([school], TODAY)[school.pk].status == ATTENTION


def test_t1_counts_special_category_assets_outside_secure_areas(school, other_school):
    asset(school, "SEN", special_category=True, secure_area=True)
    asset(school, "Medical", special_category=True, secure_area=False)
    asset(school, "Newsletter", special_category=False, secure_area=False)
    asset(school, "Archived", special_category=True, archived_on=TODAY)
    found = controls.secure_storage([school, other_school], TODAY)
    mine = found[school.pk]
    assert (mine.status, mine.value) == (ATTENTION, 0.5)
    assert mine.summary == "1 of 2 assets holding special category data are in a secure area (50%)."
    assert [(a.url, a.count) for a in mine.actions] == [("/s/ashmole/assets/?flag=not_secure", 1)]
    assert found[other_school.pk].status == ATTENTION  # records no sensitive data at all
    asset(other_school, "SEN", special_category=True, secure_area=True)
    assert controls.secure_storage([other_school], TODAY)[other_school.pk].status == MET


def test_the_controls_use_one_query_whatever_the_number_of_schools(
    school, django_assert_num_queries
):
    schools = [school] + [
        School.objects.create(name=f"School {i}", slug=f"s{i}", urn=f"2000{i:02d}")
        for i in range(12)
    ]
    for s in schools:
        asset(s, "Records", owner=staff_member(s), special_category=True)
    with django_assert_num_queries(1):
        controls.asset_register(schools, TODAY)
    with django_assert_num_queries(1):
        controls.secure_storage(schools, TODAY)
