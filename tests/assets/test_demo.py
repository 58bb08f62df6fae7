"""The demo register: realistic, owned by the school's staff, with something for each of the
main flags, made once."""

from __future__ import annotations

import pytest

from bastion.assets import rules
from bastion.assets.demo import seed_assets
from bastion.assets.models import InformationAsset
from bastion.people.demo import seed_people
from bastion.systems.models import System
from tests.assets.assets import TODAY

pytestmark = pytest.mark.django_db


def test_the_demo_register_is_made_once_with_owners_systems_and_flags(
    school, django_assert_max_num_queries
):
    seed_people(school, today=TODAY)
    System.objects.create(school=school, name="MIS", kind="mis")  # the systems demo's own
    with django_assert_max_num_queries(12):
        made = seed_assets(school, today=TODAY)
    assert made == InformationAsset.objects.filter(school=school).count() >= 12
    assert seed_assets(school, today=TODAY) == 0
    assert sorted(System.objects.filter(school=school).values_list("name", flat=True)) == [
        "MIS",
        "myDrive",
    ]
    names = set(InformationAsset.objects.values_list("name", flat=True))
    assert {"Pupil records", "Safeguarding and child protection files", "CCTV footage"} <= names
    assert not InformationAsset.objects.filter(owner__isnull=True).exists()
    counts = rules.counts(InformationAsset.objects.filter(school=school), rules.rules(TODAY))
    assert counts == {
        "no_owner": 0,
        "review_due": 1,
        "past_retention": 1,
        "no_condition": 0,
        "dpia_missing": 1,
        "not_secure": 1,
    }
