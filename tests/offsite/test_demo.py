"""The demo school's off-site log: realistic rows, made once."""

from __future__ import annotations

import pytest

from bastion.core.demo import seed_demo
from bastion.core.models import School
from bastion.offsite.controls import data_off_site
from bastion.offsite.demo import seed_offsite
from bastion.offsite.models import Removal
from bastion.people.demo import seed_people
from tests.offsite.conftest import TODAY

pytestmark = pytest.mark.django_db


def test_the_demo_log_is_made_once_and_shows_each_state():
    seed_demo()
    school = School.objects.get(slug="ashmole-primary")
    seed_people(school)
    assert seed_offsite(school, today=TODAY) == 5
    assert seed_offsite(school, today=TODAY) == 0
    statuses = sorted(Removal.objects.filter(school=school).values_list("status", flat=True))
    assert statuses == ["approved", "approved", "destroyed", "requested", "returned"]
    assert Removal.objects.filter(status="approved", due_on__lt=TODAY).count() == 1
    assert data_off_site([school], TODAY)[school.pk].status == "attention"
