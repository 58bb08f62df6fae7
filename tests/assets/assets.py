"""Helpers shared by the asset register tests: a fixed today, staff, assets, URLs."""

from __future__ import annotations

import datetime as dt

from bastion.assets.models import InformationAsset
from bastion.people.models import Kind, Person

NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 2)


def staff_member(school, first="Kit", last="Mercer", **fields) -> Person:
    return Person.objects.create(
        school=school, kind=Kind.STAFF, first_name=first, last_name=last, **fields
    )


def asset(school, name="Pupil records", reference=None, **fields) -> InformationAsset:
    n = InformationAsset.objects.filter(school=school).count() + 1
    fields.setdefault("last_reviewed_on", TODAY - dt.timedelta(days=30))
    return InformationAsset.objects.create(
        school=school, name=name, reference=reference or f"IA-{n:03d}", **fields
    )


def url(school, rest="") -> str:
    return f"/s/{school.slug}/assets/{rest}"
