"""The IT lead disposes of a laptop and a monitor: adds the contractor, starts the disposal, is
told what is missing, uploads the certificate of secure deletion, completes it, exports it."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
from fpdf import FPDF

from bastion.core import files
from bastion.equipment.models import Device, DisposalBatch
from tests.browser.conftest import sign_in


def certificate_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "Certificate of secure deletion CSD-7781: Dell Latitude 5420, SN-LT-001")
    return bytes(pdf.output())


def test_the_it_lead_disposes_of_a_laptop_and_a_monitor_with_the_evidence(page, it_lead, school):
    laptop = Device.objects.create(
        school=school,
        kind="laptop",
        holds_personal_data=True,
        make="Dell",
        model="Latitude 5420",
        serial="SN-LT-001",
        asset_tag="LT-001",
    )
    screen = Device.objects.create(
        school=school,
        kind="other",
        holds_personal_data=False,
        make="Iiyama",
        model="ProLite monitor",
        serial="SN-MON-001",
        asset_tag="MON-001",
    )
    collected = dt.date.today() - dt.timedelta(days=1)
    certificate = certificate_pdf()

    sign_in(page, it_lead)
    page.axe()
    page.goto(f"/s/{school.slug}/contractors/")
    page.axe()

    # The contractor, with its waste carrier registration.
    page.get_by_role("link", name="Add a contractor").click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_label("Company name").fill("Green Circuit Recycling Ltd")
    page.get_by_label("Waste carrier registration number").fill("CBDU123456")
    page.get_by_label("WEEE permit or exemption (optional)").fill("EPR/AB1234CD")
    assert page.get_by_label("Approved for disposals").is_checked()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_text("Green Circuit Recycling Ltd is on the list").is_visible()

    # The disposal: both devices, the date and the waste transfer note.
    page.get_by_role("link", name="Disposals", exact=True).click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_role("link", name="Start a disposal").click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_label("Contractor").select_option(label="Green Circuit Recycling Ltd")
    page.get_by_label("Collection date").fill(collected.isoformat())
    page.get_by_label("Waste transfer note reference").fill("WTN-2026-0042")
    page.get_by_label("Dell Latitude 5420 (LT-001)").check()
    page.get_by_label("Iiyama ProLite monitor (MON-001)").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_role("heading", name="Disposal", exact=False).first.is_visible()
    assert Device.objects.get(pk=laptop.pk).status == "awaiting_disposal"

    # Completing it too early says what is missing.
    page.get_by_label("I confirm the contractor collected these devices").check()
    page.get_by_role("button", name="Complete the disposal").click()
    page.wait_for_load_state()
    page.axe()
    missing = page.locator("#missing")
    assert "cannot be completed yet" in missing.inner_text()
    assert missing.locator("li").all_inner_texts() == [
        "Dell Latitude 5420 (LT-001) held data: its certificate of secure deletion "
        "(number and file)."
    ]
    assert DisposalBatch.objects.get().status == "open"

    # The certificate, uploaded.
    page.get_by_role("link", name="Add certificate for Dell Latitude 5420 (LT-001)").click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_label("Certificate number").fill("CSD-7781")
    page.get_by_label("Certificate file").set_input_files(
        {"name": "csd-7781.pdf", "mimeType": "application/pdf", "buffer": certificate}
    )
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_text(
        "The certificate for Dell Latitude 5420 (LT-001) is saved."
    ).is_visible()
    stored = DisposalBatch.objects.get().items.get(device=laptop).certificate
    assert bytes(stored.ciphertext) != certificate
    assert files.read(stored) == certificate

    # Not without the confirmation: the error summary links to the box.
    page.get_by_role("button", name="Complete the disposal").click()
    page.wait_for_load_state()
    page.axe()
    summary = page.locator(".govuk-error-summary")
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    summary.get_by_role("link", name="Tick the box to confirm", exact=False).click()
    assert page.evaluate("document.activeElement.id") == "confirm"
    assert DisposalBatch.objects.get().status == "open"

    # Now it completes.
    page.get_by_label("I confirm the contractor collected these devices").check()
    page.get_by_role("button", name="Complete the disposal").click()
    page.wait_for_load_state()
    page.axe()
    assert page.locator("#status").inner_text().startswith("Completed")
    assert page.get_by_role("button", name="Complete the disposal").count() == 0
    assert [Device.objects.get(pk=d.pk).status for d in (laptop, screen)] == ["disposed"] * 2

    # The certificate downloads as uploaded.
    with page.expect_download() as got:
        page.get_by_role(
            "link", name="Download csd-7781.pdf for Dell Latitude 5420 (LT-001)"
        ).click()
    assert Path(got.value.path()).read_bytes() == certificate

    # And the evidence exports.
    page.get_by_role("link", name="Export the record").click()
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_label("Excel (.xlsx)").is_checked()
    with page.expect_download() as got:
        page.get_by_role("button", name="Download").click()
    sheet = openpyxl.load_workbook(io.BytesIO(Path(got.value.path()).read_bytes())).active
    assert got.value.suggested_filename.startswith("disposal-ashmole-")
    assert "Green Circuit Recycling Ltd (waste carrier registration CBDU123456" in sheet["A2"].value
    assert "WTN-2026-0042" in sheet["A2"].value
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert [(r[4], r[5], r[6]) for r in rows] == [
        ("LT-001", "Yes", "CSD-7781"),
        ("MON-001", "No", "Not needed"),
    ]
