"""P6 on the dashboard: met, attention with actions, not applicable; fixed queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bastion.agreements.controls import agreement_coverage
from bastion.controls.registry import ATTENTION, COMPUTED, MET, NOT_APPLICABLE
from bastion.core.models import School
from tests.agreements.helpers import add, agreements, build, sign

pytestmark = pytest.mark.django_db


def test_it_is_registered_for_p6():
    assert any(p.func is agreement_coverage for p in COMPUTED["P6"])


def test_attention_lists_the_largest_unsigned_groups(school):
    build(school)
    evidence = agreement_coverage([school], timezone.localdate())[school.pk]
    assert evidence.status == ATTENTION
    assert evidence.value == pytest.approx(11 / 22)
    assert evidence.summary.startswith("11 of 22 people have signed")
    texts = [a.text for a in evidence.actions]
    assert texts[0] == "Year 3 parents: 3 unsigned"
    assert "Year 3 pupils: 3 unsigned" in texts
    assert "Reception pupils: 1 unsigned" in texts
    assert "Volunteers: 2 unsigned" in texts
    parents = next(a for a in evidence.actions if a.text.startswith("Year 3 parents"))
    assert parents.url == "/s/ashmole/agreements/?audience=parent&year_group=3"
    assert parents.count == 3


def test_met_when_everyone_has_signed(school):
    a = agreements(school)
    sign(add(school, "staff", "Ada"), a["staff"])
    sign(add(school, "governor", "Gil"), a["governor"])
    evidence = agreement_coverage([school], timezone.localdate())[school.pk]
    assert (evidence.status, evidence.value, evidence.actions) == (MET, 1.0, ())


def test_not_applicable_with_nobody_to_sign(school):
    evidence = agreement_coverage([school], dt.date(2026, 3, 2))[school.pk]
    assert evidence.status == NOT_APPLICABLE


def test_the_queries_do_not_grow_with_schools_or_people(school, django_assert_num_queries):
    build(school)
    schools = [school]
    with django_assert_num_queries(3):
        agreement_coverage(schools, timezone.localdate())
    for i in range(3):
        extra = School.objects.create(name=f"Extra {i}", slug=f"extra-{i}")
        build(extra)
        schools.append(extra)
    with django_assert_num_queries(3):
        found = agreement_coverage(schools, timezone.localdate())
    assert set(found) == {s.pk for s in schools}
    assert all(e.status == ATTENTION for e in found.values())
