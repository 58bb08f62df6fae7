"""Shared by the filtering tests: a fixed date, staff and governor records, a PNG."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.filtering import register
from bastion.people.models import Kind, Person

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(NOW, tick=False)


def add_person(school, user=None, first="Imogen", last="Farrow", kind=Kind.STAFF, **fields):
    email = user.email if user else ""
    values = {"kind": kind, "first_name": first, "last_name": last, "email": email}
    return Person.objects.create(school=school, user=user, **(values | fields))


def check(actor, school, days_ago=0, kind="check", **fields):
    values = {
        "kind": kind,
        "checked_on": TODAY - dt.timedelta(days=days_ago),
        "results": "Test sites blocked on every network",
        "problems_found": False,
        "actions": "",
    }
    return register.check_record(actor=actor, school=school, data=values | fields)


@pytest.fixture
def hana(school, siro):
    return add_person(school, siro, "Hana", "Siro", job_title="Head Teacher")


@pytest.fixture
def gina(school, governor):
    return add_person(school, governor, "Gina", "Governor", kind=Kind.GOVERNOR)
