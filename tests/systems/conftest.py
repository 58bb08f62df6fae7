"""Helpers for the systems tests: systems, the directory entries of the personas, accounts."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.people.models import Person
from bastion.systems.models import Account, PasswordChange, System
from tests.notify.conftest import run_schedule  # noqa: F401 (the reminders tests use it)


def system(school, name="SIMS", **fields) -> System:
    defaults = {
        "kind": "mis",
        "password_rules": "12 characters",
        "provisioning": "From the MIS",
    }
    return System.objects.create(school=school, name=name, **(defaults | fields))


def person_for(user, school, kind="staff", **fields) -> Person:
    """The directory entry of a user (their account's person)."""
    return Person.objects.create(
        school=school,
        kind=kind,
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
        user=user,
        **fields,
    )


def person(school, first="Ada", last="Lane", **fields) -> Person:
    fields.setdefault("kind", "staff")
    return Person.objects.create(school=school, first_name=first, last_name=last, **fields)


def account(sys, who, since=None) -> Account:
    return Account.objects.create(school=sys.school, system=sys, person=who, since=since)


def changed(sys, who, on: dt.date) -> PasswordChange:
    return PasswordChange.objects.create(school=sys.school, system=sys, person=who, changed_on=on)


@pytest.fixture
def staff_person(staff, school):
    return person_for(staff, school)
