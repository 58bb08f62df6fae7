"""Certificates of secure deletion and completing a disposal: the refusal lists exactly what is
missing; uploads are kept encrypted and given back byte for byte; a completed batch is frozen."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bastion.core.models import AuditEvent, StoredFile
from bastion.equipment.models import Device, DisposalBatch, DisposalItem
from tests.equipment.test_disposal_batches import (
    PDF,
    add_contractor,
    certify,
    laptop,
    lend,
    monitor,
    pdf,
    start,
    status_of,
)

pytestmark = pytest.mark.django_db

YESTERDAY = dt.date.today() - dt.timedelta(days=1)
CONFIRMED = {"confirm": "yes"}


def complete_url(batch) -> str:
    return f"/s/{batch.school.slug}/disposals/{batch.pk}/complete/"


def cert_url(item) -> str:
    return f"/s/{item.school.slug}/disposals/{item.batch_id}/devices/{item.pk}/certificate/"


def file_url(item) -> str:
    return cert_url(item) + "file/"


@pytest.fixture
def batch(school, it_lead):
    """A laptop that held data, a monitor that did not; no date, no note, no certificate."""
    return start(it_lead, school, [laptop(school), monitor(school)])


def item_of(batch, kind="laptop") -> DisposalItem:
    return batch.items.select_related("device").get(device__kind=kind)


def missing_on(response) -> list[str]:
    """The bullet points of the refusal, as the page shows them."""
    page = response.content.decode()
    assert "The disposal cannot be completed yet. Still missing:" in page
    summary = page.split('id="missing"', 1)[1].split("</ul>", 1)[0]
    return [li.split("</li>", 1)[0].strip() for li in summary.split("<li>")[1:]]


# The certificate rule --------------------------------------------------------------------------


def test_completion_is_refused_with_exactly_what_is_missing_then_allowed(
    batch, school, it_lead, client_for
):
    client = client_for(it_lead)

    refused = client.post(complete_url(batch), CONFIRMED)

    assert refused.status_code == 200
    assert missing_on(refused) == [
        "The collection date.",
        "The waste transfer note reference.",
        "Dell Latitude 5420 (LT-001) held data: its certificate of secure deletion "
        "(number and file).",
    ]
    assert DisposalBatch.objects.get().status == "open"
    assert not AuditEvent.objects.filter(action="disposal.completed").exists()

    batch.collected_on, batch.waste_transfer_note = YESTERDAY, "WTN-0042"
    batch.save()
    item = item_of(batch)
    item.certificate_number = "CSD-1"
    item.save()
    assert missing_on(client.post(complete_url(batch), CONFIRMED)) == [
        "Dell Latitude 5420 (LT-001) held data: its certificate of secure deletion (file)."
    ]

    response = client.post(cert_url(item), {"certificate_number": "CSD-1", "file": pdf()})
    assert response.status_code == 302

    done = client.post(complete_url(batch), CONFIRMED)

    assert done.status_code == 302
    assert done["Location"] == f"/s/{school.slug}/disposals/{batch.pk}/"
    batch.refresh_from_db()
    assert batch.status == "completed"
    assert batch.completed_at is not None
    assert status_of(*(i.device for i in batch.items.all())) == ["disposed", "disposed"]
    event = AuditEvent.objects.get(action="disposal.completed")
    assert event.actor == it_lead
    assert event.changes["status"] == ["open", "completed"]
    disposed = AuditEvent.objects.filter(action="device.updated", changes__status__1="disposed")
    assert disposed.count() == 2


def test_a_certificate_number_without_its_file_or_a_file_without_its_number_is_not_enough(
    batch, it_lead
):
    from bastion.equipment import disposal

    batch.collected_on, batch.waste_transfer_note = YESTERDAY, "WTN-1"
    batch.save()
    item = item_of(batch)
    item.certificate = StoredFile.objects.create(
        school=batch.school,
        name="c.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0",
        ciphertext=b"x",
        uploaded_by=it_lead,
    )
    item.save()

    with pytest.raises(Exception) as refused:
        disposal.batch_complete(actor=it_lead, school=batch.school, batch=batch)
    assert refused.value.messages == [
        "Dell Latitude 5420 (LT-001) held data: its certificate of secure deletion (number)."
    ]


def test_a_device_that_held_no_data_needs_no_certificate(school, it_lead, client_for):
    batch = start(
        it_lead, school, [monitor(school)], collected_on=YESTERDAY, waste_transfer_note="WTN-2"
    )
    assert client_for(it_lead).post(complete_url(batch), CONFIRMED).status_code == 302
    assert DisposalBatch.objects.get().status == "completed"


def test_completion_also_refuses_a_withdrawn_contractor_a_future_date_and_a_lost_device(
    school, it_lead, client_for
):
    contractor = add_contractor(school)
    ahead = dt.date.today() + dt.timedelta(days=3)
    lost, lent = monitor(school, "M-LOST"), monitor(school, "M-LENT")
    batch = start(
        it_lead, school, [lost, lent], contractor, collected_on=ahead, waste_transfer_note="WTN-3"
    )
    contractor.approved = False
    contractor.save()
    Device.objects.filter(pk=lost.pk).update(status="lost")
    lend(lent, it_lead, first_name="Lou")

    assert missing_on(client_for(it_lead).post(complete_url(batch), CONFIRMED)) == [
        "Green Circuit Recycling Ltd is no longer an approved contractor: choose an approved one.",
        f"A collection date that has passed: {ahead.day} {ahead:%B %Y} is in the future.",
        "Iiyama ProLite monitor (M-LENT) is on loan to Lou Borrow since 5 January 2026: record its "
        "return before it can be disposed of.",
        "Iiyama ProLite monitor (M-LOST) is reported lost: take it out of this disposal.",
    ]
    assert status_of(lost, lent) == ["lost", "awaiting_disposal"]


def test_an_empty_batch_cannot_be_completed(school, it_lead, client_for):
    batch = start(
        it_lead, school, [monitor(school)], collected_on=YESTERDAY, waste_transfer_note="WTN-4"
    )
    batch.items.all().delete()
    assert missing_on(client_for(it_lead).post(complete_url(batch), CONFIRMED)) == [
        "At least one device."
    ]


# A completed batch is frozen -------------------------------------------------------------------


@pytest.fixture
def completed(school, it_lead):
    batch = start(
        it_lead, school, [laptop(school)], collected_on=YESTERDAY, waste_transfer_note="WTN-5"
    )
    certify(it_lead, item_of(batch))
    from bastion.equipment import disposal

    return disposal.batch_complete(actor=it_lead, school=school, batch=batch)


def test_a_completed_disposal_can_no_longer_be_changed(completed, school, it_lead, client_for):
    client = client_for(it_lead)
    item = item_of(completed)
    before = AuditEvent.objects.count()
    base = f"/s/{school.slug}/disposals/{completed.pk}/"

    responses = [
        client.get(base + "edit/"),
        client.post(base + "edit/", {"contractor": completed.contractor_id, "devices": []}),
        client.get(cert_url(item)),
        client.post(cert_url(item), {"certificate_number": "X", "file": pdf()}),
        client.post(complete_url(completed), CONFIRMED),
    ]

    assert [r.status_code for r in responses] == [302] * 5
    assert all(r["Location"] == base for r in responses)
    follow = client.get(base)
    assert "Complete the disposal" not in follow.content.decode()
    assert "This disposal is completed: it can no longer be changed." in (follow.content.decode())
    assert AuditEvent.objects.count() == before
    assert item_of(completed).certificate_number == "CSD-2026-0042"
    assert StoredFile.objects.count() == 1


def test_the_service_refuses_changes_to_a_completed_disposal(completed, school, it_lead):
    from bastion.equipment import disposal

    with pytest.raises(Exception, match="it can no longer be changed"):
        disposal.batch_update(actor=it_lead, school=school, batch=completed, data={}, devices=[])
    with pytest.raises(Exception, match="it can no longer be changed"):
        certify(it_lead, item_of(completed), number="CSD-OTHER")


# Uploading the certificate ---------------------------------------------------------------------


def test_the_uploaded_certificate_is_stored_encrypted_and_downloads_byte_for_byte(
    batch, it_lead, dpo, office, client_for
):
    item = item_of(batch)
    response = client_for(it_lead).post(
        cert_url(item), {"certificate_number": "  CSD  77 ", "file": pdf("wipe-report.pdf")}
    )
    assert response.status_code == 302

    item.refresh_from_db()
    stored = StoredFile.objects.get()
    assert item.certificate_number == "CSD 77"
    assert item.certificate == stored
    assert bytes(stored.ciphertext) != PDF
    assert PDF[:20] not in bytes(stored.ciphertext)
    event = AuditEvent.objects.get(action="disposal.certificate_recorded")
    assert event.changes["certificate_number"] == ["", "CSD 77"]
    assert event.changes["device"] == "Dell Latitude 5420 (LT-001)"

    for reader in (it_lead, dpo, office):
        download = client_for(reader).get(file_url(item))
        assert download.status_code == 200
        assert download.content == PDF
        assert download["Content-Type"] == "application/pdf"
        assert download["Content-Disposition"] == 'attachment; filename="wipe-report.pdf"'
    downloads = AuditEvent.objects.filter(action="file.downloaded", object_id=str(stored.pk))
    assert sorted(e.actor.email for e in downloads) == sorted(
        u.email for u in (it_lead, dpo, office)
    )


def test_replacing_the_file_keeps_only_the_new_one(batch, it_lead, client_for):
    item = item_of(batch)
    client = client_for(it_lead)
    client.post(cert_url(item), {"certificate_number": "CSD-1", "file": pdf("first.pdf")})
    first = StoredFile.objects.get()

    png = b"\x89PNG\r\n\x1a\n" + b"\x05" * 100
    page = client.get(cert_url(item)).content.decode()
    assert "first.pdf" in page
    client.post(cert_url(item), {"certificate_number": "CSD-1", "file": pdf("second.png", png)})
    # Only the number: the file stays.
    client.post(cert_url(item), {"certificate_number": "CSD-2"})

    item.refresh_from_db()
    assert not StoredFile.objects.filter(pk=first.pk).exists()
    assert (item.certificate.name, item.certificate.content_type) == ("second.png", "image/png")
    assert item.certificate_number == "CSD-2"
    assert client.get(file_url(item)).content == png


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("certificate.pdf", b"MZ\x90\x00 not a pdf", "The file is not a PDF, PNG or JPEG"),
        ("certificate.docx", b"PK\x03\x04 a word file", "The file is not a PDF, PNG or JPEG"),
        ("certificate.pdf", b"", "The file is empty"),
        ("big.pdf", b"%PDF-" + b"0" * (11 * 1024 * 1024), "The file is larger than 10 MB"),
    ],
    ids=["not-pdf", "docx", "empty", "11MB"],
)
def test_a_file_that_is_not_a_pdf_png_or_jpeg_or_is_empty_or_too_big_is_refused(
    batch, it_lead, client_for, name, data, message
):
    item = item_of(batch)
    client = client_for(it_lead)
    before = AuditEvent.objects.count()

    upload = SimpleUploadedFile(name, data, content_type="application/pdf")
    response = client.post(cert_url(item), {"certificate_number": "CSD-9", "file": upload})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not StoredFile.objects.exists()
    item.refresh_from_db()
    assert (item.certificate_number, item.certificate_id) == ("", None)
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"certificate_number": "CSD-1"}, "Choose the certificate file"),
        ({"certificate_number": "", "file": "upload"}, "Enter the certificate number."),
        ({"certificate_number": "C" * 81, "file": "upload"}, "at most 80 characters"),
        ({"certificate_number": "CSD\x00", "file": "upload"}, "Null characters are not allowed"),
        ({"certificate_number": "CSD-1", "file": "not a file"}, "Choose the certificate file"),
    ],
)
def test_a_bad_certificate_form_is_refused_with_a_message(
    batch, it_lead, client_for, data, message
):
    item = item_of(batch)
    if data.get("file") == "upload":
        data = {**data, "file": pdf()}
    response = client_for(it_lead).post(cert_url(item), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not StoredFile.objects.exists()


def test_there_is_nothing_to_download_before_a_file_is_uploaded(batch, it_lead, client_for):
    assert client_for(it_lead).get(file_url(item_of(batch))).status_code == 404


def test_an_item_is_reached_only_through_its_own_batch(school, it_lead, client_for):
    first = start(it_lead, school, [laptop(school, "LT-A")])
    second = start(it_lead, school, [laptop(school, "LT-B")], first.contractor)
    certify(it_lead, item_of(first))
    item = item_of(first)
    wrong = f"/s/{school.slug}/disposals/{second.pk}/devices/{item.pk}/certificate/"
    client = client_for(it_lead)
    assert client.get(wrong).status_code == 404
    assert client.get(wrong + "file/").status_code == 404


# Confirmation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [{}, {"confirm": ""}, {"confirm": "no"}])
def test_completion_without_the_confirmation_is_refused_and_changes_nothing(
    batch, school, it_lead, client_for, data
):
    batch.collected_on, batch.waste_transfer_note = YESTERDAY, "WTN-0042"
    batch.save()
    certify(it_lead, item_of(batch))

    refused = client_for(it_lead).post(complete_url(batch), data)

    assert refused.status_code == 200
    page = refused.content.decode()
    summary = page.split('data-module="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    assert '<a href="#confirm">Tick the box to confirm' in summary
    assert 'id="confirm" name="confirm" type="checkbox"' in page
    assert 'aria-describedby="confirm-error"' in page
    assert DisposalBatch.objects.get().status == "open"
    assert status_of(*(i.device for i in batch.items.all())) == ["awaiting_disposal"] * 2
    assert not AuditEvent.objects.filter(action="disposal.completed").exists()

    done = client_for(it_lead).post(complete_url(batch), CONFIRMED)

    assert done.status_code == 302
    assert DisposalBatch.objects.get().status == "completed"
