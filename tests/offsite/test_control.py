"""P12 computed from the log: met, attention while a return is a few days late, overdue after."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.controls.registry import ATTENTION, COMPUTED, MET, OVERDUE
from bastion.core.models import School
from bastion.offsite.controls import data_off_site
from tests.offsite.conftest import TODAY, add_staff, record

pytestmark = pytest.mark.django_db


def test_the_control_is_registered():
    assert [p.name for p in COMPUTED["P12"] if p.func is data_off_site] == ["Data taken off site"]


def test_each_school_gets_its_status_in_one_query(school, other_school, trust, dpo, outsider):
    quiet = School.objects.create(trust=trust, name="Quiet Primary", slug="quiet", urn="400000")
    late = School.objects.create(trust=trust, name="Late Primary", slug="late", urn="400001")
    person = add_staff(school)
    record(dpo, school, person, taken_on=TODAY - dt.timedelta(days=10), due_on=TODAY)  # due today
    record(
        dpo,
        school,
        person,
        taken_on=TODAY - dt.timedelta(days=10),
        due_on=TODAY - dt.timedelta(days=3),
    )
    theirs = add_staff(other_school)
    record(
        outsider,
        other_school,
        theirs,
        taken_on=TODAY - dt.timedelta(days=20),
        due_on=TODAY - dt.timedelta(days=8),
    )
    # Closed and requested removals do not count, even long past their dates.
    from bastion.core.models import Membership
    from tests.conftest import add_member

    add_member(dpo, late, "dpo")
    assert Membership.objects.filter(user=dpo, school=late).exists()
    requested = add_staff(late, dpo, "Dev", "Dpo")
    record(
        dpo,
        late,
        requested,
        taken_on=TODAY - dt.timedelta(days=25),
        due_on=TODAY - dt.timedelta(days=20),
    )

    schools = [school, other_school, quiet, late]
    with CaptureQueriesContext(connection) as queries:
        found = data_off_site(schools, TODAY)
    assert len(queries) == 1

    ashmole = found[school.pk]
    assert ashmole.status == ATTENTION
    assert ashmole.summary == (
        "1 of 2 removals of data off site is past the due date (the oldest by 3 days)"
    )
    assert ashmole.value == 0.5
    assert ashmole.actions[0].url == "/s/ashmole/offsite/?show=overdue"
    assert ashmole.actions[0].count == 1

    assert found[other_school.pk].status == OVERDUE  # 8 days late: past the week of grace
    assert found[quiet.pk].status == MET
    assert found[quiet.pk].summary == "No data is off site"
    assert found[late.pk].status == MET  # only a request, awaiting approval
