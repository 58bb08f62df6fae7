"""Disposal batches (T14, T15): which devices may join, what joining and leaving does to them,
an approved contractor only, loaned devices back first, bad input refused, fixed query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bastion.core.models import AuditEvent
from bastion.equipment import disposal
from bastion.equipment.models import Contractor, Device, DisposalBatch, DisposalItem, Loan
from bastion.people.models import Person

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n% certificate of secure deletion\n" + b"\x01\x02\x03" * 500 + b"\n%%EOF\n"


# Helpers, shared by the other tests/equipment/test_disposal_*.py ------------------------------


def add_device(school, kind="laptop", data=True, **fields) -> Device:
    return Device.objects.create(school=school, kind=kind, holds_personal_data=data, **fields)


def laptop(school, tag="LT-001", **fields) -> Device:
    values = {"make": "Dell", "model": "Latitude 5420", "serial": f"SN-{tag}", "asset_tag": tag}
    return add_device(school, "laptop", True, **{**values, **fields})


def monitor(school, tag="MON-001", **fields) -> Device:
    values = {"make": "Iiyama", "model": "ProLite monitor", "serial": f"SN-{tag}", "asset_tag": tag}
    return add_device(school, "other", False, **{**values, **fields})


def add_contractor(school, name="Green Circuit Recycling Ltd", **fields) -> Contractor:
    values = {"waste_carrier_registration": "CBDU123456", "weee_permit": "EPR/AB1234CD"}
    return Contractor.objects.create(school=school, name=name, **{**values, **fields})


def start(actor, school, devices, contractor=None, **data) -> DisposalBatch:
    data = {"contractor": contractor or add_contractor(school), **data}
    return disposal.batch_create(actor=actor, school=school, data=data, devices=devices)


def pdf(name="certificate.pdf", data=PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def certify(actor, item, number="CSD-2026-0042", upload=None):
    return disposal.item_certify(
        actor=actor, school=item.school, item=item, number=number, upload=upload or pdf()
    )


def lend(device, issued_by, first_name="Sam") -> Loan:
    borrower = Person.objects.create(
        school=device.school, kind="staff", first_name=first_name, last_name="Borrow"
    )
    return Loan.objects.create(
        school=device.school,
        device=device,
        borrower=borrower,
        out_on=dt.date(2026, 1, 5),
        issued_by=issued_by,
    )


def add_url(school) -> str:
    return f"/s/{school.slug}/disposals/add/"


def form_data(contractor, devices, **extra) -> dict:
    return {
        "contractor": contractor.pk,
        "collected_on": "",
        "waste_transfer_note": "",
        "devices": [d.pk for d in devices],
        **extra,
    }


def status_of(*devices) -> list[str]:
    return [Device.objects.get(pk=d.pk).status for d in devices]


# Starting a batch ------------------------------------------------------------------------------


def test_the_it_lead_starts_a_disposal_and_its_devices_await_disposal(school, it_lead, client_for):
    contractor = add_contractor(school)
    old, screen = laptop(school, status="in_store"), monitor(school)

    response = client_for(it_lead).post(
        add_url(school),
        form_data(
            contractor, [old, screen], collected_on="2026-03-02", waste_transfer_note="WTN 7"
        ),
    )

    batch = DisposalBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/s/{school.slug}/disposals/{batch.pk}/"
    assert (batch.contractor, batch.collected_on, batch.waste_transfer_note) == (
        contractor,
        dt.date(2026, 3, 2),
        "WTN 7",
    )
    assert (batch.status, batch.created_by) == ("open", it_lead)
    assert status_of(old, screen) == ["awaiting_disposal", "awaiting_disposal"]
    items = {i.device_id: i.previous_status for i in DisposalItem.objects.all()}
    assert items == {old.pk: "in_store", screen.pk: "in_use"}
    event = AuditEvent.objects.get(action="disposal.created")
    assert event.actor == it_lead
    assert event.changes["waste_transfer_note"] == [None, "WTN 7"]
    assert "Dell Latitude 5420 (LT-001)" in event.changes["devices"]
    device_events = AuditEvent.objects.filter(action="device.updated", object_id=str(old.pk))
    assert device_events.get().changes["status"] == ["in_store", "awaiting_disposal"]


def test_the_add_page_offers_only_devices_that_can_be_disposed_of(school, it_lead, client_for):
    add_contractor(school)
    offered = laptop(school, "LT-OK")
    lent = laptop(school, "LT-LENT", status="on_loan")
    lend(lent, it_lead)
    hidden = [
        laptop(school, "LT-GONE", status="disposed"),
        laptop(school, "LT-LOST", status="lost"),
        laptop(school, "LT-STOLEN", status="stolen"),
    ]
    in_other = laptop(school, "LT-OTHER")
    start(it_lead, school, [in_other])

    page = client_for(it_lead).get(add_url(school)).content.decode()

    assert f'value="{offered.pk}"' in page
    assert f'value="{lent.pk}"' in page
    assert "on loan to Sam Borrow" in page
    for device in [*hidden, in_other]:
        assert f'value="{device.pk}"' not in page


def test_a_device_page_can_start_a_disposal_with_the_device_ticked(school, it_lead, client_for):
    add_contractor(school)
    device = laptop(school)
    page = client_for(it_lead).get(add_url(school), {"device": device.pk}).content.decode()
    assert f'value="{device.pk}" checked' in page
    for junk in ["x", "-1", "9" * 40, "\uff11\uff12"]:  # the last: full-width digits
        assert client_for(it_lead).get(add_url(school), {"device": junk}).status_code == 200


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("disposed", "Dell Latitude 5420 (LT-001) is already disposed of."),
        ("lost", "Dell Latitude 5420 (LT-001) is reported lost."),
        ("stolen", "Dell Latitude 5420 (LT-001) is reported stolen."),
    ],
)
def test_a_device_that_is_gone_cannot_join_and_says_why(
    school, it_lead, client_for, status, message
):
    contractor = add_contractor(school)
    device = laptop(school, status=status)

    response = client_for(it_lead).post(add_url(school), form_data(contractor, [device]))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DisposalBatch.objects.exists()
    assert status_of(device) == [status]


def test_a_device_already_in_another_disposal_cannot_join(school, it_lead, client_for):
    contractor = add_contractor(school)
    device = laptop(school)
    first = start(it_lead, school, [device], contractor)

    response = client_for(it_lead).post(add_url(school), form_data(contractor, [device]))

    assert f"Dell Latitude 5420 (LT-001) is already in disposal {first.number}." in (
        response.content.decode()
    )
    assert DisposalBatch.objects.count() == 1


def test_a_loaned_device_must_be_returned_before_it_can_join(school, it_lead, client_for):
    contractor = add_contractor(school)
    device = laptop(school, status="on_loan")
    loan = lend(device, it_lead)
    client = client_for(it_lead)

    response = client.post(add_url(school), form_data(contractor, [device]))

    assert (
        "Dell Latitude 5420 (LT-001) is on loan to Sam Borrow since 5 January 2026: record its "
        "return before it can be disposed of." in response.content.decode()
    )
    assert not DisposalBatch.objects.exists()

    loan.returned_on = dt.date(2026, 2, 1)
    loan.save()
    Device.objects.filter(pk=device.pk).update(status="in_store")
    assert client.post(add_url(school), form_data(contractor, [device])).status_code == 302
    assert status_of(device) == ["awaiting_disposal"]


def test_a_device_marked_on_loan_without_an_open_loan_must_be_returned_first(school, it_lead):
    device = laptop(school, status="on_loan")
    with pytest.raises(Exception, match="is marked as on loan: record its return"):
        start(it_lead, school, [device])


def test_a_contractor_that_is_not_approved_cannot_be_used_for_a_new_disposal(
    school, it_lead, client_for
):
    withdrawn = add_contractor(school, approved=False)
    device = laptop(school)

    page = client_for(it_lead).get(add_url(school)).content.decode()
    assert withdrawn.name not in page
    response = client_for(it_lead).post(add_url(school), form_data(withdrawn, [device]))

    assert "Choose one of the approved contractors." in response.content.decode()
    assert not DisposalBatch.objects.exists()
    with pytest.raises(Exception, match="no longer an approved contractor"):
        start(it_lead, school, [device], withdrawn)


def test_the_add_page_says_to_add_a_contractor_first_when_there_is_none(
    school, it_lead, client_for
):
    page = client_for(it_lead).get(add_url(school)).content.decode()
    assert "No approved contractor yet." in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"contractor": ""}, "Choose the contractor who collects the devices."),
        ({"contractor": "abc"}, "Choose one of the approved contractors."),
        ({"contractor": "900000001"}, "Choose one of the approved contractors."),
        ({"devices": []}, "Choose at least one device."),
        ({"devices": ["abc"]}, "Choose devices from the list."),
        ({"devices": ["900000001"]}, "Choose devices from the list."),
        ({"collected_on": "31/02/2026"}, "Enter a real date"),
        ({"collected_on": "1899-01-01"}, "Enter the real collection date"),
        ({"collected_on": "9999-12-31"}, "more than a year ahead"),
        ({"waste_transfer_note": "W" * 61}, "at most 60 characters"),
        ({"waste_transfer_note": "WTN\x00"}, "Null characters are not allowed."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(
    school, it_lead, client_for, change, message
):
    contractor = add_contractor(school)
    device = laptop(school)
    client = client_for(it_lead)
    events = AuditEvent.objects.count()

    response = client.post(add_url(school), {**form_data(contractor, [device]), **change})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DisposalBatch.objects.exists()
    assert status_of(device) == ["in_use"]
    assert AuditEvent.objects.count() == events


def test_another_schools_contractor_or_device_cannot_be_used(
    school, other_school, it_lead, outsider, client_for
):
    mine, theirs = add_contractor(school), add_contractor(other_school)
    my_device, their_device = laptop(school), laptop(other_school)
    client = client_for(it_lead)

    refused = [
        client.post(add_url(school), form_data(theirs, [my_device])),
        client.post(add_url(school), form_data(mine, [their_device])),
    ]

    assert [r.status_code for r in refused] == [200, 200]
    assert not DisposalBatch.objects.exists()
    assert status_of(their_device) == ["in_use"]


# Changing an open batch ------------------------------------------------------------------------


def edit_url(batch) -> str:
    return f"/s/{batch.school.slug}/disposals/{batch.pk}/edit/"


def test_taking_a_device_out_gives_it_back_its_status_and_adding_one_waits(
    school, it_lead, client_for
):
    stored, used = laptop(school, "LT-1", status="in_store"), laptop(school, "LT-2")
    later = monitor(school)
    batch = start(it_lead, school, [stored, used])
    certify(it_lead, batch.items.get(device=stored))

    response = client_for(it_lead).post(
        edit_url(batch), form_data(batch.contractor, [used, later], waste_transfer_note="WTN-9")
    )

    assert response.status_code == 302
    assert status_of(stored, used, later) == ["in_store", "awaiting_disposal", "awaiting_disposal"]
    assert set(batch.items.values_list("device_id", flat=True)) == {used.pk, later.pk}
    # The certificate of the device taken out goes with it.
    assert not DisposalItem.objects.filter(device=stored).exists()
    from bastion.core.models import StoredFile

    assert not StoredFile.objects.exists()
    event = AuditEvent.objects.get(action="disposal.updated")
    assert event.changes["devices taken out"] == "Dell Latitude 5420 (LT-1)"
    assert event.changes["devices added"] == "Iiyama ProLite monitor (MON-001)"
    assert event.changes["waste_transfer_note"] == ["", "WTN-9"]


def test_a_device_reported_lost_while_waiting_stays_lost_when_taken_out(school, it_lead):
    lost, kept = laptop(school, "LT-1"), laptop(school, "LT-2")
    batch = start(it_lead, school, [lost, kept])
    Device.objects.filter(pk=lost.pk).update(status="lost")

    disposal.batch_update(
        actor=it_lead, school=school, batch=batch, data={}, devices=[Device.objects.get(pk=kept.pk)]
    )

    assert status_of(lost, kept) == ["lost", "awaiting_disposal"]


def test_an_open_batch_keeps_its_contractor_after_the_contractor_is_withdrawn(
    school, it_lead, client_for
):
    contractor = add_contractor(school)
    device = laptop(school)
    batch = start(it_lead, school, [device], contractor)
    contractor.approved = False
    contractor.save()

    response = client_for(it_lead).post(
        edit_url(batch), form_data(contractor, [device], waste_transfer_note="WTN-1")
    )

    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.waste_transfer_note == "WTN-1"


def test_an_unchanged_save_records_nothing(school, it_lead, client_for):
    device = laptop(school)
    batch = start(it_lead, school, [device], waste_transfer_note="WTN-1")
    client_for(it_lead).post(
        edit_url(batch), form_data(batch.contractor, [device], waste_transfer_note="WTN-1")
    )
    assert not AuditEvent.objects.filter(action="disposal.updated").exists()


# Query counts ----------------------------------------------------------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_disposal_list_uses_the_same_number_of_queries_for_2_or_30_batches(
    school, it_lead, dpo, client_for
):
    client = client_for(dpo)
    url = f"/s/{school.slug}/disposals/"
    client.get(url)

    def grow(n):
        for i in range(n):
            start(it_lead, school, [laptop(school, f"LT-{n}-{i}"), monitor(school, f"M-{n}-{i}")])
        return _count(client, url)

    assert grow(2) == grow(28)


def test_a_batch_page_uses_the_same_number_of_queries_for_2_or_60_devices(
    school, it_lead, client_for
):
    client = client_for(it_lead)
    client.get(f"/s/{school.slug}/disposals/")  # warm the session

    def count(n):
        devices = [laptop(school, f"LT-{n}-{i}") for i in range(n // 2)]
        devices += [monitor(school, f"M-{n}-{i}") for i in range(n - n // 2)]
        batch = start(it_lead, school, devices)
        for item in batch.items.all()[: n // 3]:
            certify(it_lead, item)
        lend(devices[0], it_lead)  # a loan opened after the device joined shows too
        detail = _count(client, f"/s/{school.slug}/disposals/{batch.pk}/")
        edit = _count(client, edit_url(batch))
        return detail, edit

    assert count(2) == count(60)


def test_the_add_page_uses_the_same_number_of_queries_for_2_or_60_devices(
    school, it_lead, client_for
):
    add_contractor(school)
    client = client_for(it_lead)
    client.get(add_url(school))  # warm the session

    def count(n):
        for i in range(n):
            device = laptop(school, f"LT-{n}-{i}")
            if i % 5 == 0:
                lend(device, it_lead)
        return _count(client, add_url(school))

    assert count(2) == count(58)


def test_the_collection_date_may_be_planned_ahead(school, it_lead, client_for):
    contractor = add_contractor(school)
    ahead = timezone.localdate() + dt.timedelta(days=14)
    response = client_for(it_lead).post(
        add_url(school), form_data(contractor, [laptop(school)], collected_on=ahead.isoformat())
    )
    assert response.status_code == 302
    assert DisposalBatch.objects.get().collected_on == ahead
