"""The harness's own rules: each "computed in the request" row names a page it measures, and
drops only what it means to."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bastion.controls.models import KeptEvaluation
from bastion.core.models import School
from bench import harness


def test_every_row_measured_as_computed_is_a_measured_page():
    names = [name for name, _, _ in harness.pages()]
    assert len(names) == len(set(names))
    assert set(harness.EVALUATED) <= set(names)


@pytest.mark.django_db
def test_a_computed_row_drops_the_bench_schools_kept_answers_or_every_schools(trust):
    bench = School.objects.create(trust=trust, name="Bench 01", slug="bench-01")
    other = School.objects.create(trust=trust, name="Bench 02", slug="bench-02")
    later = timezone.now() + dt.timedelta(minutes=5)
    for school in (bench, other):
        KeptEvaluation.objects.create(
            key=f"statuses:{school.pk}", school=school, value="{}", expires_at=later
        )
    harness.EVALUATED["controls dashboard (every control evaluated)"]()
    assert list(KeptEvaluation.objects.values_list("school__slug", flat=True)) == ["bench-02"]
    harness.EVALUATED["trust matrix (every school evaluated)"]()
    assert not KeptEvaluation.objects.exists()


@pytest.mark.django_db
def test_a_change_moves_the_bench_schools_generation_only(trust):
    from bastion.core.generations import generations

    bench = School.objects.create(trust=trust, name="Bench 01", slug="bench-01")
    other = School.objects.create(trust=trust, name="Bench 02", slug="bench-02")
    harness._changed()
    assert generations([bench, other]) == {bench.pk: 1, other.pk: 0}
    harness._changed()
    assert generations([bench, other]) == {bench.pk: 2, other.pk: 0}
