"""Reading roster files: what a file is, its size, encoding, delimiter, formulas and dates."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from bastion.people import import_jobs
from bastion.people.import_files import MAX_BYTES
from bastion.people.models import ImportJob, Person
from tests.people.importing import (
    PUPIL_HEADER,
    csv_bytes,
    data,
    directory_state,
    refusal,
    run_import,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

GOOD_ROW = ["H801200001001", "Ada", "Okonkwo-Hale", "2017-05-01", "3", "3B"]


def upload(client, school, kind, name, content):
    body = io.BytesIO(content)
    body.name = name
    return client.post(f"/s/{school.slug}/people/import/", {"kind": kind, "file": body})


def test_a_50_mb_upload_is_refused_with_a_clear_message(client_for, office, school):
    line = b"H801200001001,Ada,Okonkwo-Hale,2017-05-01,3,3B\r\n"
    content = b"UPN,Forename,Surname,DOB,Year,Class\r\n" + line * (50 * 1048576 // len(line))
    assert len(content) > 49 * 1048576
    response = upload(client_for(office), school, "pupils", "pupils.csv", content)
    del content
    assert response.status_code == 200
    page = response.content.decode()
    assert "The file is 50 MB; the largest file Bastion imports is 10 MB." in page
    assert not ImportJob.objects.exists()
    assert not Person.objects.exists()


def test_a_file_just_over_the_limit_is_refused_by_the_service_too(school, office):
    content = b"UPN\r\n" + b"H801200001001\r\n" * (MAX_BYTES // 15 + 1)
    errors = refusal(school, office, "pupils", "big.csv", content)
    assert "the largest file Bastion imports is 10 MB" in errors[0]


def test_an_xlsx_that_is_really_csv_text_is_refused(school, office):
    content = csv_bytes([PUPIL_HEADER, GOOD_ROW])
    assert refusal(school, office, "pupils", "pupils.xlsx", content) == [
        "The file is named .xlsx but is not an Excel workbook."
    ]


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("pupils.csv", "UPN,Forename\r\nH801200001001,Ada\r\n")
    return out.getvalue()


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n",
        _zip(),
        xlsx_bytes([PUPIL_HEADER, GOOD_ROW]),
    ],
    ids=["pdf", "zip", "xlsx"],
)
def test_a_csv_that_is_really_a_pdf_a_zip_or_a_workbook_is_refused(school, office, content):
    errors = refusal(school, office, "pupils", "pupils.csv", content)
    assert errors[0].startswith("The file is named .csv but is not a CSV text file")


def test_a_zip_named_xlsx_that_is_not_a_workbook_is_refused(school, office):
    errors = refusal(school, office, "pupils", "pupils.xlsx", _zip())
    assert errors == ["The file is named .xlsx but is not an Excel workbook."]


@pytest.mark.parametrize("name", ["pupils.xls", "pupils.json", "pupils"])
def test_other_kinds_of_file_are_refused(school, office, name):
    errors = refusal(school, office, "pupils", name, csv_bytes([PUPIL_HEADER, GOOD_ROW]))
    assert errors == ["Choose a .csv or .xlsx file (for a Common Transfer File, .xml)."]


def test_a_windows_1252_csv_is_read_and_the_preview_says_so(school, office):
    content = "UPN,Forename,Surname,DOB,Year,Class\r\n"
    content += "H801200001002,Zoë,O\u2019Brontë,2016-02-14,4,4A\r\n"
    job = import_jobs.job_create(
        actor=office, school=school, kind="pupils", filename="p.csv", data=content.encode("cp1252")
    )
    job = import_jobs.job_plan(job=job)
    assert job.status == "planned", job.errors
    assert job.summary["encoding"] == "Windows-1252 (Excel's older CSV format)"
    job = import_jobs.job_start(actor=office, job=job)
    assert Person.objects.get().last_name == "O\u2019Brontë"


def test_a_utf8_csv_is_read_as_utf8_even_when_its_bytes_would_be_windows_1252_too(school, office):
    content = "UPN,Forename,Surname,DOB,Year,Class\r\nH801200001002,Zoë,Brontë,2016-02-14,4,4A\r\n"
    job = import_jobs.job_plan(
        job=import_jobs.job_create(
            actor=office, school=school, kind="pupils", filename="p.csv", data=content.encode()
        )
    )
    assert job.summary["encoding"] == "UTF-8"
    assert job.summary["samples"]["created"][0]["name"] == "Zoë Brontë"


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_refused_with_their_row(school, office):
    content = csv_bytes([PUPIL_HEADER, GOOD_ROW])
    content += b"H801200001002,Zo\x81,Bront\x9d,2016-02-14,4,4A\r\n"  # undefined in both
    errors = refusal(school, office, "pupils", "pupils.csv", content)
    assert len(errors) == 1
    assert errors[0].startswith("Row 3: the file is neither UTF-8 nor Windows-1252 text")
    assert "CSV UTF-8" in errors[0]


def test_utf8_with_a_byte_order_mark_and_accents_is_read(school, office):
    content = "\ufeff" + "UPN,Forename,Surname,DOB,Year,Class\r\n"
    content += "H801200001002,Zoë,Brontë-Ñúñez,2016-02-14,4,4A\r\n"
    job = run_import(school, office, "pupils", "pupils.csv", content.encode())
    assert job.status == "done", job.errors
    assert Person.objects.get().last_name == "Brontë-Ñúñez"


@pytest.mark.parametrize(
    "cell", ["=cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "+cmd", "-2+3+cmd|x"]
)
def test_a_spreadsheet_formula_in_a_cell_is_refused_naming_row_and_column(school, office, cell):
    rows = [PUPIL_HEADER, GOOD_ROW, ["H801200001002", cell, "Lindqvist", "2016-02-14", "4", "4A"]]
    before = directory_state(school)
    errors = refusal(school, office, "pupils", "pupils.csv", csv_bytes(rows))
    assert len(errors) == 1
    assert errors[0].startswith("Row 3, column “Legal Forename”:")
    assert "spreadsheet formula" in errors[0]
    assert directory_state(school) == before


def test_a_formula_in_a_column_that_is_not_imported_is_refused_too(school, office):
    rows = [[*PUPIL_HEADER, "Notes"], [*GOOD_ROW, '=HYPERLINK("http://evil.example")']]
    errors = refusal(school, office, "pupils", "pupils.csv", csv_bytes(rows))
    assert errors[0].startswith("Row 2, column “Notes”:")


def test_a_telephone_number_with_a_leading_plus_is_accepted(school, office):
    rows = [
        ["Staff code", "Forename", "Surname", "Mobile"],
        ["T001", "Imogen", "Farrow", "+44 20 7946 0000"],
    ]
    job = run_import(school, office, "staff", "staff.csv", csv_bytes(rows))
    assert job.status == "done", job.errors
    assert Person.objects.get().phone == "+44 20 7946 0000"


def test_a_formula_cell_in_a_workbook_is_refused_not_read_as_empty(school, office):
    content = xlsx_bytes(
        [
            PUPIL_HEADER,
            GOOD_ROW,
            ["H801200001002", "=cmd|' /C calc'!A0", "Lindqvist", dt.date(2016, 2, 14), 4, "4A"],
        ]
    )
    errors = refusal(school, office, "pupils", "pupils.xlsx", content)
    assert len(errors) == 1
    assert errors[0].startswith("Row 3, column “Legal Forename”: “=cmd|' /C calc'!A0” starts")


def test_dates_and_numbers_in_a_workbook_are_read_as_the_school_typed_them(school, office):
    content = xlsx_bytes(
        [
            PUPIL_HEADER,
            ["H801200001001", "Ada", "Okonkwo-Hale", dt.datetime(2017, 5, 1), 3, "3B"],
            ["H801200001002", "Bram", "Lindqvist", "14/02/2016", "Year 4", 4],
        ]
    )
    job = run_import(school, office, "pupils", "pupils.xlsx", content)
    assert job.status == "done", job.errors
    ada, bram = Person.objects.order_by("mis_id")
    assert (ada.date_of_birth, ada.year_group, ada.class_name) == (dt.date(2017, 5, 1), "3", "3B")
    assert (bram.date_of_birth, bram.year_group, bram.class_name) == (
        dt.date(2016, 2, 14),
        "4",
        "4",
    )


def test_a_csv_with_semicolons_is_read(school, office):
    job = run_import(school, office, "pupils", "pupils.csv", data("pupils_semicolon.csv"))
    assert job.status == "done", job.errors
    assert job.mapping["year_group"] == "NC Year"
    ada = Person.objects.get(mis_id="H801200001001")
    assert (ada.first_name, ada.last_name, ada.date_of_birth) == (
        "Ada",
        "Okonkwo-Hale",
        dt.date(2017, 5, 1),
    )


def test_a_tab_separated_file_is_read(school, office):
    job = run_import(
        school, office, "pupils", "pupils.txt", csv_bytes([PUPIL_HEADER, GOOD_ROW], "\t")
    )
    assert job.status == "done", job.errors
    assert Person.objects.get().class_name == "3B"


def test_a_header_only_file_is_refused_and_marks_nobody_as_left(school, office):
    run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    before = directory_state(school)
    errors = refusal(school, office, "pupils", "pupils.csv", csv_bytes([PUPIL_HEADER, [""] * 6]))
    assert errors == ["The file has column names but no rows of people."]
    assert directory_state(school) == before
    assert Person.objects.filter(left_on__isnull=False).count() == 0


def test_an_empty_file_is_refused(school, office):
    assert refusal(school, office, "pupils", "pupils.csv", b" \r\n") == ["The file is empty."]


def test_blank_rows_do_not_shift_the_row_numbers_in_messages(school, office):
    rows = [
        PUPIL_HEADER,
        GOOD_ROW,
        [""] * 6,
        ["H801200001002", "Bram", "Lindqvist", "31/02/2016", "4", "4A"],
    ]
    errors = refusal(school, office, "pupils", "pupils.csv", csv_bytes(rows))
    assert errors == [
        "Row 4, column “DOB”: “31/02/2016” is not a date (use 2024-09-01 or 01/09/2024)."
    ]


def test_a_cell_too_large_for_a_csv_is_refused_not_a_crash(school, office):
    content = (
        csv_bytes([PUPIL_HEADER, GOOD_ROW]) + b'H801200001002,"' + b"a" * 200_000 + b'",x,x,x,x\r\n'
    )
    errors = refusal(school, office, "pupils", "pupils.csv", content)
    assert errors[0].startswith("Row 3: the file is not valid CSV")


def test_two_columns_with_the_same_name_can_each_be_chosen(school, office):
    rows = [
        ["UPN", "Name", "Name", "DOB", "Year"],
        ["H801200001001", "Ada", "Okonkwo-Hale", "2017-05-01", "3"],
    ]
    mapping = {
        "mis_id": "UPN",
        "first_name": "Name",
        "last_name": "Name (2)",
        "date_of_birth": "DOB",
        "year_group": "Year",
    }
    job = run_import(school, office, "pupils", "pupils.csv", csv_bytes(rows), mapping=mapping)
    assert job.status == "done", job.errors
    assert Person.objects.get().last_name == "Okonkwo-Hale"


def test_a_damaged_workbook_is_refused(school, office):
    content = bytearray(xlsx_bytes([PUPIL_HEADER, GOOD_ROW]))
    content[200:400] = b"\x00" * 200
    errors = refusal(school, office, "pupils", "pupils.xlsx", bytes(content))
    assert errors in (
        ["The Excel file could not be read: it may be damaged."],
        ["The file is named .xlsx but is not an Excel workbook."],
    )


def test_a_utf16_file_is_refused_with_the_way_to_fix_it(school, office):
    content = "UPN,Forename\r\nH801200001001,Ada\r\n".encode("utf-16")
    errors = refusal(school, office, "pupils", "pupils.csv", content)
    assert errors == [
        "The file is UTF-16 text. In Excel, save it as “CSV UTF-8 (comma delimited)”."
    ]
