"""The demo: default agreements and a realistic mix of signatures, made in bulk, once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.agreements import coverage
from bastion.agreements.demo import seed_agreements
from bastion.agreements.models import Signature
from bastion.people.demo import seed_people
from tests.conftest import add_member, make_user

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 2)


def test_the_demo_signs_a_realistic_mix_in_bulk(school):
    teacher = make_user("teacher@ashmole.example.org", "Tom", "Lindqvist")
    add_member(teacher, school, "staff", job_title="Class Teacher")
    add_member(make_user("office@ashmole.example.org", "Dana", "W"), school, "office", "staff")
    seed_people(school, today=TODAY)
    with CaptureQueriesContext(connection) as queries:
        made = seed_agreements(school, today=TODAY)
    assert made > 300
    assert len(queries) < 150  # per agreement and class, not per person (669 people here)
    rows = coverage.by_audience(school, TODAY)
    for audience in ("staff", "parent", "pupil_older", "pupil_younger"):
        assert 0 < rows[audience].signed < rows[audience].total
    methods = set(Signature.objects.filter(school=school).values_list("method", flat=True))
    assert methods == {"online", "link", "paper", "class"}
    # The demo accounts are left to sign through My tasks.
    assert not Signature.objects.filter(person__user=teacher).exists()
    assert seed_agreements(school, today=TODAY) == 0
