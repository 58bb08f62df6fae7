"""The office completes a newcomer's Single Central Record entry, then exports the record."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
from django.utils import timezone

from bastion.people.services import person_create
from tests.browser.conftest import sign_in


def test_the_office_records_a_newcomers_checks_until_complete_then_exports(page, office, school):
    starts = timezone.localdate() + dt.timedelta(days=30)
    person_create(
        actor=office,
        school=school,
        data={
            "kind": "staff",
            "first_name": "Nia",
            "last_name": "Novak",
            "job_title": "Class Teacher",
            "contract": "permanent",
            "started_on": starts,
            "teaching_role": True,
        },
    )

    sign_in(page, office)
    page.axe()
    page.get_by_role("link", name="Single Central Record").first.click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_role("link", name="Novak, Nia").click()
    page.wait_for_load_state()
    page.axe()
    assert "Needs action" in page.locator("#scr-status").inner_text()

    for label in [
        "Identity",
        "Enhanced DBS certificate",
        "Children's barred list",
        "Prohibition from teaching",
        "Right to work in the UK",
    ]:
        page.get_by_role("link", name=f"Record {label}", exact=True).click()
        page.wait_for_load_state()
        page.axe()
        assert page.get_by_label("Complete").is_checked()
        assert page.get_by_label("Checked by").input_value() == "Olu Office"
        if label == "Enhanced DBS certificate":
            page.get_by_label("DBS certificate number").fill("0012 3456 7890")
        page.get_by_role("button", name="Save").click()
        page.wait_for_load_state()
        page.axe()
        assert page.get_by_text(f"{label} recorded for Nia Novak.").is_visible()

    assert page.locator("#scr-status").inner_text().startswith("Complete")

    page.get_by_role("link", name="Back to the record").click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_role("link", name="Export (Excel or PDF)").click()
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_label("Excel (.xlsx)").is_checked()
    page.get_by_label("Password to open the file (optional)").fill("")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()

    data = Path(download.value.path()).read_bytes()
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert download.value.suggested_filename.startswith("scr-ashmole-")
    assert sheet["A4"].value == "Novak"
    assert sheet["B4"].value == "Nia"
    assert [c.value for c in sheet[4]][-1] == "Complete"


def test_the_office_sets_the_recheck_period_after_a_refused_value(page, office, school):
    sign_in(page, office)
    page.axe()
    page.goto(f"/s/{school.slug}/scr/")
    page.axe()
    page.get_by_role("link", name="Change the re-check period").click()
    page.wait_for_load_state()
    page.axe()
    field = page.get_by_label("Re-check DBS certificates every (years)")
    field.fill("40")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_role("alert").is_visible()
    field.fill("3")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_text("DBS certificates are re-checked every 3 years").is_visible()
