"""Disposal numbers: 1, 2, 3 ... within each school, with no gaps, even when two people start
disposals at the same moment or a start is refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from bastion.equipment.models import DisposalBatch
from tests.equipment.test_disposal_batches import add_contractor, laptop, lend, start
from tests.threads import at_once


def numbers(school) -> list[int]:
    return sorted(DisposalBatch.objects.filter(school=school).values_list("number", flat=True))


@pytest.mark.django_db
def test_each_school_numbers_its_disposals_from_one(school, other_school, it_lead, outsider):
    start(it_lead, school, [laptop(school, "LT-1")])
    start(outsider, other_school, [laptop(other_school, "LT-1")])
    second = start(it_lead, school, [laptop(school, "LT-2")])

    assert numbers(school) == [1, 2]
    assert numbers(other_school) == [1]
    assert str(second).startswith("Disposal 2 ")


@pytest.mark.django_db
def test_a_refused_start_does_not_use_up_a_number(school, it_lead):
    contractor = add_contractor(school)
    start(it_lead, school, [laptop(school, "LT-1")], contractor)
    out = laptop(school, "LT-2")
    lend(out, it_lead)

    with pytest.raises(ValidationError):
        start(it_lead, school, [out], contractor)
    start(it_lead, school, [laptop(school, "LT-3")], contractor)

    assert numbers(school) == [1, 2]


@pytest.mark.django_db
def test_the_pages_name_a_disposal_by_its_number(
    school, other_school, it_lead, outsider, client_for
):
    for n in range(3):  # other schools' disposals take ids, not numbers
        start(outsider, other_school, [laptop(other_school, f"X-{n}")])
    batch = start(it_lead, school, [laptop(school)])
    assert batch.pk != batch.number == 1

    page = client_for(it_lead).get(f"/s/{school.slug}/disposals/{batch.pk}/").content.decode()

    assert '<h1 class="govuk-heading-l">Disposal 1</h1>' in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises writers itself; the school row's lock matters on PostgreSQL",
)
def test_disposals_started_at_once_get_consecutive_numbers(school, it_lead):
    contractor = add_contractor(school)
    devices = [laptop(school, f"LT-{n}") for n in range(6)]
    jobs = [lambda d=d: start(it_lead, school, [d], contractor) for d in devices]

    assert at_once(jobs)[1] == []

    assert numbers(school) == [1, 2, 3, 4, 5, 6]
