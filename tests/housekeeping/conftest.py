"""Shared by the housekeeping tests: a fixed date in the summer term, and staff records."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.housekeeping import campaigns
from bastion.people.models import Kind, Person
from tests.conftest import add_member, make_user

NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)  # a Monday in the summer term of 2025/26
TODAY = NOW.date()
DEADLINE = dt.date(2026, 7, 17)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(NOW, tick=False)


def add_staff(school, user=None, first="Imogen", last="Farrow", **fields) -> Person:
    email = user.email if user else ""
    values = {"kind": Kind.STAFF, "first_name": first, "last_name": last, "email": email}
    return Person.objects.create(school=school, user=user, **(values | fields))


def add_teacher(school, n: int, **fields) -> tuple:
    """A member of staff with a Bastion account and a staff record."""
    user = make_user(f"teacher{n}@{school.slug}.example.org", f"Teacher{n}", "Smith")
    add_member(user, school, "staff")
    return user, add_staff(school, user, f"Teacher{n}", "Smith", **fields)


def open_campaign(actor, school, deadline=DEADLINE):
    return campaigns.campaign_open(actor=actor, school=school, deadline=deadline)


@pytest.fixture
def sam(school, staff):
    return add_staff(school, staff, "Sam", "Staff")


@pytest.fixture
def hana(school, siro):
    return add_staff(school, siro, "Hana", "Siro")
