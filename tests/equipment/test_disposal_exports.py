"""The disposal record as evidence: XLSX and PDF read back, password protection, formula-like
text kept as text, every export audited, bad requests refused, a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from bastion.core.models import AuditEvent
from bastion.equipment import disposal
from tests.equipment.test_disposal_batches import (
    add_contractor,
    add_device,
    certify,
    laptop,
    monitor,
    start,
)
from tests.exports import first_sheet, pdf_text, unlock_pdf, unlock_xlsx

pytestmark = pytest.mark.django_db

PASSWORD = "amber-kettle-2290"
NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
HEADERS = [
    "Kind",
    "Make",
    "Model",
    "Serial number",
    "Asset tag",
    "Held data",
    "Certificate of secure deletion",
    "Certificate file",
]


@pytest.fixture
def completed(school, it_lead, time_machine):
    time_machine.move_to(NOON, tick=False)
    contractor = add_contractor(school)
    batch = start(
        it_lead,
        school,
        [laptop(school), monitor(school)],
        contractor,
        collected_on=dt.date(2026, 2, 27),
        waste_transfer_note="WTN-2026-0042",
    )
    certify(it_lead, batch.items.get(device__kind="laptop"), number="CSD-7781")
    return disposal.batch_complete(actor=it_lead, school=school, batch=batch)


def export(client, batch, fmt="xlsx", password=""):
    url = f"/s/{batch.school.slug}/disposals/{batch.pk}/export/"
    response = client.post(url, {"format": fmt, "password": password})
    assert response.status_code == 200
    return response


def rows_of(sheet) -> list[dict]:
    return [
        dict(zip(HEADERS, row, strict=True)) for row in sheet.iter_rows(min_row=4, values_only=True)
    ]


def test_the_xlsx_holds_the_contractor_the_note_and_every_device(
    completed, school, dpo, client_for
):
    response = export(client_for(dpo), completed)

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"] == (
        f'attachment; filename="disposal-ashmole-{completed.number}-2026-03-02.xlsx"'
    )
    sheet = first_sheet(response.content)
    assert sheet.title == "Disposal record"
    assert sheet["A1"].value == f"Disposal {completed.number} of Ashmole Primary"
    assert sheet["A2"].value == (
        "Contractor: Green Circuit Recycling Ltd (waste carrier registration CBDU123456; "
        "WEEE permit or exemption EPR/AB1234CD). Collected on 27 February 2026. "
        "Waste transfer note: WTN-2026-0042. Completed 2 March 2026 at 12:00. "
        "Exported 2 March 2026 at 12:00 by Dev Dpo."
    )
    assert [c.value for c in sheet[3]] == HEADERS
    assert rows_of(sheet) == [
        {
            "Kind": "Laptop",
            "Make": "Dell",
            "Model": "Latitude 5420",
            "Serial number": "SN-LT-001",
            "Asset tag": "LT-001",
            "Held data": "Yes",
            "Certificate of secure deletion": "CSD-7781",
            "Certificate file": "certificate.pdf",
        },
        {
            "Kind": "Other",
            "Make": "Iiyama",
            "Model": "ProLite monitor",
            "Serial number": "SN-MON-001",
            "Asset tag": "MON-001",
            "Held data": "No",
            "Certificate of secure deletion": "Not needed",
            "Certificate file": None,
        },
    ]


def test_an_open_batch_exports_marked_as_not_completed_with_missing_certificates(
    school, it_lead, office, client_for
):
    batch = start(it_lead, school, [laptop(school)])
    sheet = first_sheet(export(client_for(office), batch).content)
    assert "Collected on not recorded." in sheet["A2"].value
    assert "NOT COMPLETED" in sheet["A2"].value
    assert rows_of(sheet)[0]["Certificate of secure deletion"] == "MISSING"


def test_text_that_looks_like_a_formula_stays_text(school, it_lead, siro, client_for):
    device = add_device(school, "laptop", True, make='=HYPERLINK("x")', model="+1", serial="@a")
    batch = start(it_lead, school, [device], waste_transfer_note="-WTN")
    sheet = first_sheet(export(client_for(siro), batch).content)
    cells = [c for row in sheet.iter_rows(min_row=4) for c in row[:4]]
    assert [c.value for c in cells[1:4]] == ['=HYPERLINK("x")', "+1", "@a"]
    assert all(c.data_type == "s" for c in cells[1:4])
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_a_password_protected_xlsx_opens_only_with_the_password(completed, it_lead, client_for):
    data = export(client_for(it_lead), completed, password=PASSWORD).content

    plain = io.BytesIO(unlock_xlsx(data, PASSWORD))
    assert [r["Asset tag"] for r in rows_of(first_sheet(plain.getvalue()))] == ["LT-001", "MON-001"]


def test_the_pdf_holds_the_record(completed, school, office, client_for):
    response = export(client_for(office), completed, fmt="pdf")

    assert response["Content-Type"] == "application/pdf"
    assert not PdfReader(io.BytesIO(response.content)).is_encrypted
    text = " ".join(pdf_text(response.content).split())
    for expected in [
        f"Disposal {completed.number} of Ashmole Primary",
        "Green Circuit Recycling Ltd",
        "CBDU123456",
        "27 February 2026",
        "WTN-2026-0042",
        "Latitude 5420",
        "SN-LT-001",
        "LT-001",
        "CSD-7781",
        "ProLite monitor",
        "Not needed",
    ]:
        assert expected in text, expected


def test_a_password_protected_pdf_needs_the_password(completed, office, client_for):
    data = export(client_for(office), completed, fmt="pdf", password=PASSWORD).content
    assert "CSD-7781" in unlock_pdf(data, PASSWORD)


@pytest.mark.parametrize(
    ("fmt", "password"), [("xlsx", ""), ("xlsx", PASSWORD), ("pdf", ""), ("pdf", PASSWORD)]
)
def test_every_export_is_audited_without_the_password(completed, dpo, client_for, fmt, password):
    export(client_for(dpo), completed, fmt=fmt, password=password)

    event = AuditEvent.objects.get(action="disposal.exported")
    assert (event.actor, event.school, event.object_id) == (
        dpo,
        completed.school,
        str(completed.pk),
    )
    assert event.changes == {"format": fmt, "password_protected": bool(password), "devices": 2}
    assert PASSWORD not in str(event.changes)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"format": "xlsx", "password": "short"}, "Use at least 8 characters"),
        ({"format": "xlsx", "password": "p" * 200}, "at most 128 characters"),
        ({"format": "csv"}, "Select a valid choice"),
        ({}, "Choose Excel or PDF."),
    ],
)
def test_a_bad_export_request_is_refused_and_not_audited(
    completed, office, client_for, data, message
):
    url = f"/s/{completed.school.slug}/disposals/{completed.pk}/export/"
    response = client_for(office).post(url, data)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(action="disposal.exported").exists()


def test_the_export_uses_the_same_number_of_queries_for_2_or_60_devices(
    school, it_lead, client_for
):
    client = client_for(it_lead)
    client.get(f"/s/{school.slug}/disposals/")

    def count(n):
        devices = [laptop(school, f"LT-{n}-{i}") for i in range(n)]
        batch = start(it_lead, school, devices)
        for item in batch.items.all()[::2]:
            certify(it_lead, item)
        with CaptureQueriesContext(connection) as queries:
            response = export(client, batch)
        return len(queries), len(rows_of(first_sheet(response.content)))

    small, large = count(2), count(60)
    assert (small[1], large[1]) == (2, 60)
    assert small[0] == large[0]
