"""Exporting the SCR: an XLSX laid out like a printed record and a PDF, read back; password
protection; formula injection; every export audited."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from bastion.core.models import AuditEvent
from bastion.lib.exports import sheet_title
from bastion.people.models import Check
from tests.exports import first_sheet, pdf_text, unlock_pdf, unlock_xlsx
from tests.people.test_scr_rules import NOON, TODAY, add_person, complete, record, set_recheck

pytestmark = pytest.mark.django_db

PASSWORD = "quiet-heron-4471"
CHECK_COLUMNS = [h for c in Check for h in (c.label, f"{c.label}: checked by")]
HEADERS = [
    "Surname",
    "First name",
    "Kind",
    "Role",
    "Contract",
    "Agency or company",
    "Start date",
    *CHECK_COLUMNS,
    "DBS certificate number",
    "DBS Update Service",
    "Last status check",
    "Risk assessment",
    "Status",
]


@pytest.fixture
def today(time_machine):
    time_machine.move_to(NOON, tick=False)
    return TODAY


@pytest.fixture
def record_of(school, office, other_school, outsider, today):
    set_recheck(school, 3)
    teacher = add_person(
        office,
        school,
        first_name="Tom",
        last_name="Teach",
        job_title="Class Teacher",
        teaching_role=True,
    )
    complete(teacher, office, on=dt.date(2024, 8, 20))
    agency = add_person(
        office,
        school,
        first_name="Ada",
        last_name="Agency",
        contract="agency",
        agency_name="Brightside Supply",
    )
    record(agency, "identity", office, on=dt.date(2026, 2, 2))
    governor = add_person(office, school, first_name="Gil", last_name="Gov", kind="governor")
    complete(governor, office, on=dt.date(2021, 5, 1))
    add_person(office, school, first_name="Lee", last_name="Left", left_on=dt.date(2025, 7, 1))
    add_person(
        office,
        school,
        first_name="Pip",
        kind="pupil",
        date_of_birth=dt.date(2018, 1, 1),
        year_group="2",
    )
    add_person(outsider, other_school, first_name="Otis", last_name="Other")
    return {"teacher": teacher, "agency": agency, "governor": governor}


def export(client, school, fmt="xlsx", password=""):
    response = client.post(f"/s/{school.slug}/scr/export/", {"format": fmt, "password": password})
    assert response.status_code == 200
    return response


def rows_of(sheet) -> list[dict]:
    return [
        dict(zip(HEADERS, row, strict=True)) for row in sheet.iter_rows(min_row=4, values_only=True)
    ]


# XLSX --------------------------------------------------------------------------------------------


def test_the_xlsx_holds_one_row_per_person_in_scope_laid_out_like_a_printed_record(
    record_of, school, office, client_for
):
    response = export(client_for(office), school)

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"] == ('attachment; filename="scr-ashmole-2026-03-02.xlsx"')
    sheet = first_sheet(response.content)
    assert sheet.title == "Single Central Record"
    assert sheet["A1"].value == "Single Central Record of Ashmole Primary"
    assert sheet["A2"].value.startswith("Exported 2 March 2026 at 12:00 by Olu Office.")
    assert "DBS re-check every 3 years" in sheet["A2"].value
    assert [c.value for c in sheet[3]] == HEADERS
    rows = rows_of(sheet)
    assert [r["Surname"] for r in rows] == ["Agency", "Gov", "Teach"]

    agency, governor, teacher = rows
    assert teacher["Role"] == "Class Teacher"
    assert teacher["Start date"] == dt.datetime(2024, 9, 2)
    assert teacher["Identity"] == dt.datetime(2024, 8, 20)
    assert teacher["Identity: checked by"] == "Olu Office"
    assert teacher["Prohibition from teaching"] == dt.datetime(2024, 8, 20)
    assert teacher["Section 128 (management)"] == "N/A"
    assert teacher["DBS certificate number"] == "001234567890"
    assert teacher["Status"] == "Complete"

    assert agency["Contract"] == "Agency"
    assert agency["Agency or company"] == "Brightside Supply"
    assert agency["Agency's written confirmation"] == "MISSING"
    assert agency["Enhanced DBS certificate"] == "N/A"
    assert agency["Status"] == "Agency's written confirmation: missing"

    assert governor["Kind"] == "Governor or trustee"
    assert governor["Status"] == "DBS re-check due (certificate of 1 May 2021)"
    assert sheet["H4"].number_format == "DD/MM/YYYY"


def test_a_name_that_looks_like_a_formula_is_written_as_text(school, office, client_for, today):
    add_person(office, school, first_name="=cmd|' /C calc'!A0", last_name="+SUM(A1)")
    add_person(office, school, first_name="@Bell\x07", last_name="-Dash")

    sheet = first_sheet(export(client_for(office), school).content)

    cells = {c.value: c for row in sheet.iter_rows(min_row=4) for c in row[:2]}
    for value in ["=cmd|' /C calc'!A0", "+SUM(A1)", "@Bell", "-Dash"]:
        assert cells[value].data_type == "s", value
        assert cells[value].quotePrefix is True, value
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row), (
        "no cell may be a formula"
    )


def test_a_school_name_with_characters_excel_refuses_in_sheet_names_still_exports(
    school, office, client_for, today
):
    school.name = "St Mary's C/E [VA] Primary: Upper*School?"
    school.save()
    add_person(office, school)
    sheet = first_sheet(export(client_for(office), school).content)
    assert sheet["A1"].value == f"Single Central Record of {school.name}"


@pytest.mark.parametrize("title", ["St Mary's C/E [VA]: Upper*School?", "'*'", "x" * 40])
def test_any_title_becomes_a_sheet_name_excel_accepts(title):
    name = sheet_title(title)
    assert 0 < len(name) <= 31
    assert not set(name) & set("[]:*?/\\")
    assert not name.startswith("'")
    assert not name.endswith("'")
    openpyxl.Workbook().active.title = name  # openpyxl refuses what Excel refuses


def test_a_password_protected_xlsx_opens_only_with_the_password(
    record_of, school, office, client_for
):
    data = export(client_for(office), school, password=PASSWORD).content

    plain = io.BytesIO(unlock_xlsx(data, PASSWORD))
    assert [r["Surname"] for r in rows_of(first_sheet(plain.getvalue()))] == [
        "Agency",
        "Gov",
        "Teach",
    ]


# PDF ---------------------------------------------------------------------------------------------


def test_the_pdf_holds_the_record(record_of, school, office, client_for):
    response = export(client_for(office), school, fmt="pdf")

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    assert not reader.is_encrypted
    text = pdf_text(response.content)
    assert "Single Central Record of Ashmole Primary" in text or (
        "Single Central Record" in text and "Ashmole Primary" in text
    )
    for expected in ["Teach, Tom", "Agency, Ada", "Gov, Gil", "MISSING", "by Olu Office"]:
        assert expected in text
    assert "Left" not in text.split("Status", 1)[1]
    assert "Other" not in text


def test_a_password_protected_pdf_needs_the_password(record_of, school, office, client_for):
    data = export(client_for(office), school, fmt="pdf", password=PASSWORD).content

    assert "Teach, Tom" in unlock_pdf(data, PASSWORD)


def test_names_beyond_latin_1_keep_their_letters_in_the_pdf(school, office, client_for, today):
    add_person(office, school, first_name="Ștefan", last_name="Zoë")
    text = pdf_text(export(client_for(office), school, fmt="pdf").content)
    assert "Zoë, Stefan" in text


# Audit and bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "password"), [("xlsx", ""), ("xlsx", PASSWORD), ("pdf", ""), ("pdf", PASSWORD)]
)
def test_every_export_is_audited(record_of, school, dpo, client_for, fmt, password):
    export(client_for(dpo), school, fmt=fmt, password=password)

    event = AuditEvent.objects.get(action="scr.exported")
    assert (event.actor, event.school) == (dpo, school)
    assert event.changes == {"format": fmt, "password_protected": bool(password), "rows": 3}
    assert PASSWORD not in str(event.changes)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"format": "xlsx", "password": "short"}, "Use at least 8 characters"),
        ({"format": "xlsx", "password": "p" * 10_000}, "at most 128 characters"),
        ({"format": "docx"}, "Select a valid choice"),
        ({}, "Choose Excel or PDF."),
    ],
)
def test_a_bad_export_request_is_refused_and_not_audited(school, office, client_for, data, message):
    response = client_for(office).post(f"/s/{school.slug}/scr/export/", data)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(action="scr.exported").exists()


def test_the_export_uses_the_same_number_of_queries_for_5_or_60_people(
    school, office, client_for, today
):
    client = client_for(office)
    export(client, school)  # warm the session

    def count(n):
        for i in range(n):
            complete(add_person(office, school, first_name=f"P{i}", last_name=f"Q{n}"), office)
        with CaptureQueriesContext(connection) as queries:
            response = export(client, school)
        return len(queries), len(rows_of(first_sheet(response.content)))

    small, rows_small = count(5)
    large, rows_large = count(55)
    assert (rows_small, rows_large) == (5, 60)
    assert small == large
