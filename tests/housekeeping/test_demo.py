"""The demo school's housekeeping: last year's campaign and this year's, made once."""

from __future__ import annotations

import pytest

from bastion.core.demo import seed_demo
from bastion.core.models import School
from bastion.housekeeping import campaigns
from bastion.housekeeping.controls import housekeeping
from bastion.housekeeping.demo import seed_housekeeping
from bastion.housekeeping.models import Campaign
from bastion.people.demo import seed_people
from tests.housekeeping.conftest import TODAY

pytestmark = pytest.mark.django_db


def test_the_demo_campaigns_are_made_once():
    seed_demo()
    school = School.objects.get(slug="ashmole-primary")
    seed_people(school)
    assert seed_housekeeping(school, today=TODAY) > 0
    assert seed_housekeeping(school, today=TODAY) == 0
    last, current = Campaign.objects.filter(school=school).order_by("year")
    assert (last.year, current.year) == (2024, 2025)
    done = campaigns.progress([last, current])
    assert done[last.pk].missing == 1 and done[last.pk].required >= 5
    assert 0 < done[current.pk].done < done[current.pk].required
    assert housekeeping([school], TODAY)[school.pk].status == "met"  # running
