"""Every register's computed parts together (not only this app's): each answers for every school
it is given, and the statuses of 50 schools take as many queries as those of 5."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.controls import registry
from bastion.controls.catalogue import ROWS
from bastion.controls.status import statuses
from bastion.core.models import School

TODAY = dt.date(2026, 11, 27)


def _schools(trust, start: int, n: int) -> list[School]:
    return [
        School.objects.create(trust=trust, name=f"School {i:03d}", slug=f"school-{i:03d}")
        for i in range(start, start + n)
    ]


def test_every_registered_part_answers_for_every_school(trust, all_evaluators):
    schools = _schools(trust, 1, 3)
    assert set(registry.COMPUTED) <= set(ROWS)
    for code in registry.COMPUTED:
        for part in registry.COMPUTED[code]:
            found = part.func(schools, TODAY)
            assert set(found) >= {s.pk for s in schools}, f"{code} {part.name}"
            assert all(isinstance(e, registry.Evidence) for e in found.values())


def test_the_statuses_of_50_schools_take_as_many_queries_as_of_5(trust, all_evaluators):
    schools = _schools(trust, 1, 5)
    with CaptureQueriesContext(connection) as five:
        statuses(schools, TODAY)
    schools += _schools(trust, 6, 45)
    with CaptureQueriesContext(connection) as fifty:
        found = statuses(schools, TODAY)
    assert len(found) == 50
    assert len(fifty.captured_queries) == len(five.captured_queries)
