"""P0 on the controls dashboard: the annual review, computed for many schools at once."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.controls.registry import COMPUTED, evaluate
from bastion.core.models import School
from bastion.policy.controls import annual_review
from bastion.policy.services import review_start

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)


def _school(n, reviewed=None, due=None):
    return School.objects.create(
        name=f"School {n}", slug=f"school-{n}", policy_review_date=reviewed, next_review_date=due
    )


def test_p0_is_registered():
    assert [p.name for p in COMPUTED["P0"]] == ["Annual policy review"]


def test_each_case_of_the_annual_review(db):
    schools = {
        "never": _school(1),
        "met": _school(2, dt.date(2025, 9, 1), dt.date(2026, 9, 1)),
        "soon": _school(3, dt.date(2025, 4, 1), dt.date(2026, 4, 1)),
        "past": _school(4, dt.date(2025, 6, 1), dt.date(2026, 3, 9)),
        "old": _school(5, dt.date(2025, 3, 9), dt.date(2027, 1, 1)),
        "undated": _school(6, dt.date(2025, 9, 1)),
        "due_today": _school(7, dt.date(2025, 3, 10), dt.date(2026, 3, 10)),
    }
    found = annual_review(list(schools.values()), TODAY)
    status = {key: found[s.pk].status for key, s in schools.items()}
    assert status == {
        "never": "overdue",
        "met": "met",
        "soon": "attention",
        "past": "overdue",
        "old": "overdue",
        "undated": "attention",
        "due_today": "attention",
    }
    assert found[schools["met"].pk].summary == (
        "Reviewed on 1 September 2025; next review by 1 September 2026."
    )
    assert found[schools["past"].pk].summary == "The review was due on 9 March 2026."
    action = found[schools["soon"].pk].actions[0]
    assert (action.text, action.url) == ("Review the E-Security Policy", "/s/school-3/policy/")
    assert found[schools["undated"].pk].actions[0].url == "/s/school-6/settings/"


def test_a_review_in_progress_is_mentioned(school, siro):
    from bastion.policy.services import policy_for

    school.policy_review_date, school.next_review_date = dt.date(2025, 3, 15), dt.date(2026, 3, 1)
    school.save()
    review_start(actor=siro, school=school, policy=policy_for(school))
    evidence = evaluate("P0", [school], TODAY)[school.pk][0][1]
    assert evidence.status == "overdue"
    assert evidence.summary == "The review was due on 1 March 2026. A review is in progress."


def test_fixed_queries_whatever_the_number_of_schools(db, django_assert_num_queries):
    few = [_school(n, dt.date(2025, 9, 1), dt.date(2026, 9, 1)) for n in range(3)]
    with django_assert_num_queries(2):
        annual_review(few, TODAY)
    many = few + [_school(n, dt.date(2025, 9, 1), dt.date(2026, 9, 1)) for n in range(3, 50)]
    with django_assert_num_queries(2):
        found = annual_review(many, TODAY)
    assert len(found) == 50
