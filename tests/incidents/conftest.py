"""Helpers for the incident tests: a frozen clock, a school device, a report sent in one call."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import uuid
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from bastion.equipment.models import Device
from bastion.incidents import services
from bastion.incidents.models import Incident, Kind

# Monday 2 March 2026, 10:00 in London (GMT).
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    """The time, frozen at NOW; `clock.move_to(...)` travels."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def device(school):
    return Device.objects.create(
        school=school, kind=Device.Kind.LAPTOP, make="Dell", model="Latitude", asset_tag="AS-017"
    )


@pytest.fixture
def run_schedule(django_capture_on_commit_callbacks):
    """run_schedule(*args) -> stdout; mail queued during the run is sent after commit."""

    def run(*args):
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("run_schedule", *args, stdout=out, stderr=StringIO())
        return out.getvalue().strip()

    return run


def received(smtp) -> list[email.message.EmailMessage]:
    return [
        email.message_from_string(m.data.replace("\r\n", "\n"), policy=email.policy.default)
        for m in smtp.messages
    ]


def form_data(**overrides) -> dict:
    """A complete, valid report as the browser posts it."""
    data = {
        "kind": Kind.LOST_DEVICE,
        "what_happened": "Left the Year 4 laptop on the bus home.",
        "happened_at": "2026-03-02T08:15",
        "discovered_at": "2026-03-02T09:30",
        "device": "",
        "system_or_asset": "",
        "personal_data": "Year 4 reading assessments",
        "people_affected": "28",
        "children_data": "on",
        "done_already": "Rang the bus company.",
        "submission_key": str(uuid.uuid4()),
    }
    return {k: v for k, v in (data | overrides).items() if v is not None}


def make_incident(school, reporter, **fields) -> Incident:
    """A report through the service, as if sent at the current time."""
    data = {
        "kind": Kind.PASSWORD,
        "what_happened": "Wrote the MIS password on a sticky note; it has gone.",
        "discovered_at": fields.pop("discovered_at", None) or dt.datetime.now(dt.UTC),
    } | fields
    incident, _ = services.incident_report(
        actor=reporter, school=school, data=data, submission_key=uuid.uuid4()
    )
    return incident
