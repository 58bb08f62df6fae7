"""References under concurrency: reports sent at the same moment get consecutive references,
with no gaps and no duplicates, and one form sent twice at once makes one report."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection

from bastion.incidents import services
from bastion.incidents.models import Incident
from tests.threads import at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite's in-memory test database serialises writers itself (IMMEDIATE "
        "transactions); the row lock matters on PostgreSQL",
    ),
]


def reports_at_once(school, reporter, keys: list[uuid.UUID]) -> list:
    """Report from one thread per key, all released together; returns errors, if any."""
    data = {"kind": "other", "what_happened": "x", "discovered_at": _now()}
    jobs = [
        lambda key=key: services.incident_report(
            actor=reporter, school=school, data=data, submission_key=key
        )
        for key in keys
    ]
    return at_once(jobs)[1]


def _now():
    from django.utils import timezone

    return timezone.now()


def test_reports_sent_at_once_get_consecutive_references(school, staff):
    assert reports_at_once(school, staff, [uuid.uuid4() for _ in range(8)]) == []

    references = sorted(Incident.objects.values_list("reference", flat=True))
    year = _now().year
    assert references == [f"INC-{year}-{n:04d}" for n in range(1, 9)]


def test_one_form_sent_twice_at_once_makes_one_report(school, staff):
    key = uuid.uuid4()

    assert reports_at_once(school, staff, [key, key, key]) == []

    assert Incident.objects.count() == 1
