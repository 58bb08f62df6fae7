"""Shared by the off-site tests: a fixed Monday, staff records for the personas, devices."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from bastion.equipment.models import Device
from bastion.offsite import removals
from bastion.people.models import Kind, Person

TODAY = dt.date(2026, 3, 2)  # a Monday
_tags = itertools.count(1)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC), tick=False)


def add_staff(school, user=None, first="Imogen", last="Farrow", **fields) -> Person:
    email = user.email if user else f"{first}.{last}@ashmole.example.org".lower()
    values = {"kind": Kind.STAFF, "first_name": first, "last_name": last, "email": email}
    return Person.objects.create(school=school, user=user, **(values | fields))


def add_device(school, kind="flash_drive", **fields) -> Device:
    values = {
        "make": "Kingston",
        "model": "IronKey",
        "asset_tag": f"FD-{next(_tags):04d}",
        "encrypted": True,
        "holds_personal_data": True,
        "status": Device.Status.IN_USE,
    }
    return Device.objects.create(school=school, kind=kind, **(values | fields))


def data(person, device=None, **fields) -> dict:
    values = {
        "person": person,
        "what": "Year 6 assessment spreadsheet",
        "why": "Marking at home over half term",
        "device": device,
        "medium": "",
        "medium_encrypted": False,
        "taken_on": TODAY,
        "due_on": TODAY + dt.timedelta(days=7),
    }
    return values | fields


def record(actor, school, person, device=None, **fields):
    return removals.removal_request(
        actor=actor, school=school, data=data(person, device or add_device(school), **fields)
    )


@pytest.fixture
def sam(school, staff):
    return add_staff(school, staff, "Sam", "Staff")


@pytest.fixture
def hana(school, siro):
    return add_staff(school, siro, "Hana", "Siro", job_title="Head Teacher")


@pytest.fixture
def dev(school, dpo):
    return add_staff(school, dpo, "Dev", "Dpo")
