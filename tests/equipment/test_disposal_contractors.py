"""Approved disposal contractors (T14): registration details required, approval withdrawn and
given back, every change audited, bad input refused."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.core.models import AuditEvent
from bastion.equipment.models import Contractor
from tests.equipment.test_disposal_batches import add_contractor, laptop, start

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Green Circuit Recycling Ltd",
    "waste_carrier_registration": " cbdu 123456 ",
    "weee_permit": "EPR/AB1234CD",
    "contact": "Pat Green, 020 7946 0000",
    "approved": "on",
}


def list_url(school) -> str:
    return f"/s/{school.slug}/contractors/"


def test_the_it_lead_adds_a_contractor_and_it_is_audited(school, it_lead, client_for):
    response = client_for(it_lead).post(list_url(school) + "add/", GOOD)

    assert response.status_code == 302
    assert response["Location"] == list_url(school)
    contractor = Contractor.objects.get()
    assert (contractor.school, contractor.name, contractor.waste_carrier_registration) == (
        school,
        "Green Circuit Recycling Ltd",
        "CBDU 123456",
    )
    assert contractor.approved
    event = AuditEvent.objects.get(action="contractor.created")
    assert event.actor == it_lead
    assert event.changes["waste_carrier_registration"] == [None, "CBDU 123456"]


def test_a_new_contractor_starts_approved(school, it_lead, client_for):
    page = client_for(it_lead).get(list_url(school) + "add/").content.decode()
    assert 'name="approved" id="id_approved" checked' in page


def test_withdrawing_approval_is_audited_and_shown(school, siro, client_for):
    contractor = add_contractor(school)
    client = client_for(siro)

    same = {
        "name": contractor.name,
        "waste_carrier_registration": contractor.waste_carrier_registration,
        "weee_permit": contractor.weee_permit,
        "contact": "",
    }

    response = client.post(list_url(school) + f"{contractor.pk}/", same)

    assert response.status_code == 302
    contractor.refresh_from_db()
    assert not contractor.approved
    event = AuditEvent.objects.get(action="contractor.updated")
    assert event.changes == {"approved": [True, False]}
    assert "Not approved" in client.get(list_url(school)).content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "Enter the company&#x27;s name."),
        ({"waste_carrier_registration": "   "}, "Enter the waste carrier registration number"),
        ({"name": "N" * 151}, "at most 150 characters"),
        ({"weee_permit": "W" * 61}, "at most 60 characters"),
        ({"contact": "bad\x00"}, "Null characters are not allowed"),
        ({"name": "green circuit  recycling LTD"}, "is already on the list of contractors"),
    ],
)
def test_bad_contractor_input_is_refused_and_changes_nothing(
    school, it_lead, client_for, change, message
):
    add_contractor(school)
    client = client_for(it_lead)
    before = AuditEvent.objects.count()

    response = client.post(list_url(school) + "add/", {**GOOD, **change})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Contractor.objects.count() == 1
    assert AuditEvent.objects.count() == before


def test_saving_a_contractor_under_its_own_name_is_not_a_duplicate(school, it_lead, client_for):
    contractor = add_contractor(school)
    response = client_for(it_lead).post(
        list_url(school) + f"{contractor.pk}/", {**GOOD, "name": contractor.name}
    )
    assert response.status_code == 302


def test_a_contractor_of_another_school_may_share_the_name(
    school, other_school, it_lead, client_for
):
    add_contractor(other_school)
    assert client_for(it_lead).post(list_url(school) + "add/", GOOD).status_code == 302


def test_an_invalid_edit_does_not_show_the_typed_name_as_saved(school, it_lead, client_for):
    contractor = add_contractor(school)
    response = client_for(it_lead).post(
        list_url(school) + f"{contractor.pk}/",
        {**GOOD, "name": "Renamed", "waste_carrier_registration": ""},
    )
    assert response.status_code == 200
    contractor.refresh_from_db()
    assert contractor.name == "Green Circuit Recycling Ltd"


def test_the_contractor_list_uses_the_same_number_of_queries_for_2_or_30(
    school, it_lead, office, client_for
):
    client = client_for(office)
    client.get(list_url(school))

    def count(n):
        for i in range(n):
            contractor = add_contractor(school, name=f"Recycler {n}-{i}")
            if i % 3 == 0:
                start(it_lead, school, [laptop(school, f"LT-{n}-{i}")], contractor)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(list_url(school))
        assert response.status_code == 200
        return len(queries), response.content.decode().count("CBDU123456")

    small, large = count(2), count(28)
    assert (small[1], large[1]) == (2, 30)
    assert small[0] == large[0]
