"""The demo school's filtering and monitoring register, made once."""

from __future__ import annotations

import pytest

from bastion.core.demo import seed_demo
from bastion.core.models import School
from bastion.filtering.controls import filtering_and_monitoring
from bastion.filtering.demo import seed_filtering
from bastion.filtering.models import FilteringSetup
from bastion.people.demo import seed_people
from tests.filtering.conftest import TODAY

pytestmark = pytest.mark.django_db


def test_the_demo_register_is_made_once_and_meets_the_standard():
    seed_demo()
    school = School.objects.get(slug="ashmole-primary")
    seed_people(school)
    assert seed_filtering(school, today=TODAY) == 11
    assert seed_filtering(school, today=TODAY) == 0
    setup = FilteringSetup.objects.get(school=school)
    assert setup.senior_leader.user.email == "head@ashmole.example.org"
    assert setup.governor is not None
    found = filtering_and_monitoring([school], TODAY)[school.pk]
    assert found.status == "met", found.summary
