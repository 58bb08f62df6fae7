"""The demo school's systems: the seed policy's systems, accounts for the staff who sign in, a
mix of password changes and transfers (one flagged), added once however often it runs."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.controls.registry import ATTENTION, MET, OVERDUE
from bastion.core.demo import seed_demo
from bastion.core.models import School
from bastion.people.demo import seed_people
from bastion.systems import controls
from bastion.systems.demo import seed_systems
from bastion.systems.models import Account, PasswordChange, System, Transfer

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def ashmole():
    seed_demo()
    school = School.objects.get(slug="ashmole-primary")
    seed_people(school, today=TODAY)
    return school


def test_the_seed_policys_systems_are_recorded_once(ashmole):
    assert seed_systems(ashmole, today=TODAY) == 10
    counts = (
        System.objects.count(),
        Account.objects.count(),
        PasswordChange.objects.count(),
        Transfer.objects.count(),
    )
    assert seed_systems(ashmole, today=TODAY) == 0
    assert seed_systems(ashmole, today=TODAY + dt.timedelta(days=3)) == 0
    assert counts == (
        System.objects.count(),
        Account.objects.count(),
        PasswordChange.objects.count(),
        Transfer.objects.count(),
    )
    names = set(System.objects.values_list("name", flat=True))
    assert {"SIMS (MIS)", "USO admin site", "RAv3 remote access (VPN)", "USO-FX2"} <= names
    # Only the staff who sign in to Bastion hold accounts, each on the school's e-mail.
    holders = set(Account.objects.values_list("person__user__email", flat=True))
    assert None not in holders and "teacher@ashmole.example.org" in holders


def test_the_demo_shows_a_realistic_picture_on_the_controls(ashmole):
    seed_systems(ashmole, today=TODAY)
    schools = [ashmole]
    assert controls.transfer_channels(schools, TODAY)[ashmole.pk].status == ATTENTION
    assert Transfer.objects.get(flagged=True).channel.name == "School e-mail (LGfL Mail)"
    p11 = controls.password_changes(schools, TODAY)[ashmole.pk]
    assert p11.status == OVERDUE and 0.5 < p11.value < 1
    for func in (
        controls.personal_accounts,
        controls.password_rules,
        controls.owners_and_provisioning,
        controls.remote_access,
        controls.dfe_transfer,
        controls.school_transfer,
        controls.document_storage,
    ):
        assert func(schools, TODAY)[ashmole.pk].status == MET, func.__name__
