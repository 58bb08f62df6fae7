"""Who may do what with disposals: the IT lead and the SIRO edit; the DPO and the office view
and download; staff and governors are refused; another school's rows are 404 for everyone."""

from __future__ import annotations

import pytest

from bastion.core.models import StoredFile
from bastion.equipment.models import Contractor, DisposalBatch
from tests.equipment.test_disposal_batches import (
    add_contractor,
    certify,
    laptop,
    pdf,
    start,
)

pytestmark = pytest.mark.django_db

EDITORS = ["siro", "it_lead", "trust_admin"]
VIEWERS = ["dpo", "office"]
REFUSED = ["staff", "governor"]


@pytest.fixture
def people(siro, dpo, it_lead, office, staff, governor, trust_admin):
    return {
        "siro": siro,
        "dpo": dpo,
        "it_lead": it_lead,
        "office": office,
        "staff": staff,
        "governor": governor,
        "trust_admin": trust_admin,
    }


@pytest.fixture
def batch(school, it_lead):
    batch = start(it_lead, school, [laptop(school)])
    certify(it_lead, batch.items.get())
    return batch


def pages(batch) -> dict[str, str]:
    base = f"/s/{batch.school.slug}/"
    item = batch.items.get()
    return {
        "contractor-list": base + "contractors/",
        "disposal-list": base + "disposals/",
        "disposal-detail": base + f"disposals/{batch.pk}/",
        "disposal-export": base + f"disposals/{batch.pk}/export/",
        "disposal-certificate-download": (
            base + f"disposals/{batch.pk}/devices/{item.pk}/certificate/file/"
        ),
    }


def edit_pages(batch) -> dict[str, str]:
    base = f"/s/{batch.school.slug}/"
    item = batch.items.get()
    return {
        "contractor-add": base + "contractors/add/",
        "contractor-edit": base + f"contractors/{batch.contractor_id}/",
        "disposal-add": base + "disposals/add/",
        "disposal-edit": base + f"disposals/{batch.pk}/edit/",
        "disposal-item-certificate": base + f"disposals/{batch.pk}/devices/{item.pk}/certificate/",
    }


@pytest.mark.parametrize("role", EDITORS + VIEWERS + REFUSED)
def test_the_pages_that_show_disposals_answer_by_role(batch, people, client_for, role):
    client = client_for(people[role])
    expected = 403 if role in REFUSED else 200
    answers = {name: client.get(url).status_code for name, url in pages(batch).items()}
    assert answers == dict.fromkeys(answers, expected)


@pytest.mark.parametrize("role", EDITORS + VIEWERS + REFUSED)
def test_the_pages_that_change_disposals_answer_by_role(batch, people, client_for, role):
    client = client_for(people[role])
    expected = 200 if role in EDITORS else 403
    answers = {name: client.get(url).status_code for name, url in edit_pages(batch).items()}
    assert answers == dict.fromkeys(answers, expected)


@pytest.mark.parametrize("role", VIEWERS + REFUSED)
def test_those_who_may_not_edit_change_nothing_by_posting(batch, school, people, client_for, role):
    client = client_for(people[role])
    item = batch.items.get()
    contractor = batch.contractor
    posts = [
        (edit_pages(batch)["contractor-add"], {"name": "X", "waste_carrier_registration": "C"}),
        (
            edit_pages(batch)["contractor-edit"],
            {"name": "X", "waste_carrier_registration": "C", "approved": ""},
        ),
        (
            edit_pages(batch)["disposal-add"],
            {"contractor": contractor.pk, "devices": [laptop(school, "LT-9").pk]},
        ),
        (
            edit_pages(batch)["disposal-edit"],
            {"contractor": contractor.pk, "devices": [], "waste_transfer_note": "W"},
        ),
        (
            edit_pages(batch)["disposal-item-certificate"],
            {"certificate_number": "N", "file": pdf()},
        ),
        (f"/s/{school.slug}/disposals/{batch.pk}/complete/", {}),
    ]
    assert [client.post(url, data).status_code for url, data in posts] == [403] * len(posts)
    assert Contractor.objects.get().name == contractor.name
    assert DisposalBatch.objects.get().waste_transfer_note == ""
    item.refresh_from_db()
    assert item.certificate_number == "CSD-2026-0042"
    assert StoredFile.objects.count() == 1


def test_completing_is_post_only(batch, it_lead, client_for):
    url = f"/s/{batch.school.slug}/disposals/{batch.pk}/complete/"
    assert client_for(it_lead).get(url).status_code == 405


def test_another_schools_contractor_batch_item_and_certificate_are_404(
    batch, other_school, outsider, people, client_for
):
    # School B's disposal, as complete as school A's.
    theirs = start(
        outsider, other_school, [laptop(other_school, "B-1")], add_contractor(other_school)
    )
    certify(outsider, theirs.items.get())
    their_item = theirs.items.get()
    a = f"/s/{batch.school.slug}/"
    through_a = [
        a + f"contractors/{theirs.contractor_id}/",
        a + f"disposals/{theirs.pk}/",
        a + f"disposals/{theirs.pk}/edit/",
        a + f"disposals/{theirs.pk}/export/",
        a + f"disposals/{theirs.pk}/devices/{their_item.pk}/certificate/",
        a + f"disposals/{theirs.pk}/devices/{their_item.pk}/certificate/file/",
        # School A's batch with school B's item, and the other way round.
        a + f"disposals/{batch.pk}/devices/{their_item.pk}/certificate/file/",
        a + f"disposals/{theirs.pk}/devices/{batch.items.get().pk}/certificate/file/",
    ]
    for role in ["siro", "it_lead", "trust_admin"]:
        client = client_for(people[role])
        answers = [client.get(url).status_code for url in through_a]
        assert answers == [404] * len(through_a), role
        assert client.post(a + f"disposals/{theirs.pk}/complete/").status_code == 404
    # And school B's own URL is a 404 for a member of school A.
    b = f"/s/{other_school.slug}/disposals/{theirs.pk}/devices/{their_item.pk}/certificate/file/"
    assert client_for(people["it_lead"]).get(b).status_code == 404
    assert client_for(outsider).get(b).status_code == 200


def test_a_signed_out_visitor_is_sent_to_sign_in(batch, client):
    response = client.get(f"/s/{batch.school.slug}/disposals/{batch.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
