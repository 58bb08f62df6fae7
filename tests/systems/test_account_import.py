"""Importing accounts from CSV or XLSX: preview, import, idempotent, refused whole on a bad row."""

from __future__ import annotations

import io

import openpyxl
import pytest

from bastion.core.models import AuditEvent
from bastion.systems.models import Account
from tests.systems.conftest import person, system

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(school):
    system(school, "SIMS")
    system(school, "RAv3 VPN", kind="remote_access")
    system(school, "Old VLE", archived=True)
    person(school, "Ada", "Lane", email="ada.lane@ashmole.example.org")
    person(school, "Bo", "Reed")
    person(school, "Kim", "Park")
    person(school, "Kim", "Park", email="kim2@ashmole.example.org")  # two people, one name


def csv(text: str, name="accounts.csv"):
    return io.BytesIO(text.encode()), name


def upload(client, school, text, name="accounts.csv"):
    data = io.BytesIO(text if isinstance(text, bytes) else text.encode())
    data.name = name
    return client.post(f"/s/{school.slug}/systems/accounts/import/", {"file": data})


def token_of(page: str) -> str:
    return page.split('name="token" value="')[1].split('"')[0]


GOOD = "System,Staff,Since\nSIMS,ada.lane@ashmole.example.org,2025-09-01\nRAv3 VPN,Bo Reed,\n"


def test_the_preview_shows_what_would_be_added_and_nothing_is_written(
    client_for, it_lead, school, setting
):
    page = upload(client_for(it_lead), school, GOOD).content.decode()
    assert "The file adds 2 accounts; 0 are already held" in page
    assert "Ada Lane" in page and "Bo Reed" in page
    assert not Account.objects.exists()


def test_confirming_imports_and_a_second_import_changes_nothing(
    client_for, it_lead, school, setting
):
    client = client_for(it_lead)
    token = token_of(upload(client, school, GOOD).content.decode())
    response = client.post(f"/s/{school.slug}/systems/accounts/import/", {"token": token})
    assert response.status_code == 302
    assert Account.objects.count() == 2
    assert str(Account.objects.get(person__first_name="Ada").since) == "2025-09-01"
    assert AuditEvent.objects.get(action="system.accounts_imported").changes["added"] == 2
    page = upload(client, school, GOOD).content.decode()
    assert "The file adds 0 accounts; 2 are already held" in page
    client.post(f"/s/{school.slug}/systems/accounts/import/", {"token": token_of(page)})
    assert Account.objects.count() == 2


def test_a_file_with_a_bad_row_is_refused_whole_by_row_and_column(
    client_for, it_lead, school, setting
):
    text = (
        "System,Staff,Since\n"
        "SIMS,Ada Lane,\n"
        "MIS,Bo Reed,\n"
        "SIMS,Nobody Here,\n"
        "SIMS,Kim Park,\n"
        "Old VLE,Bo Reed,\n"
        "SIMS,Bo Reed,31/02/2024\n"
        "SIMS,=HYPERLINK(1),\n"
        ",Bo Reed,\n"
    )
    page = upload(client_for(it_lead), school, text).content.decode()
    assert "The file was not imported" in page
    assert "Row 3, column “System”: there is no system called “MIS”" in page
    assert "Row 4, column “Staff”: no current member of staff is “Nobody Here”" in page
    assert "Row 5, column “Staff”: more than one person is called “Kim Park”" in page
    assert "Row 6, column “System”: Old VLE is archived." in page
    assert "Row 7, column “Since”: “31/02/2024” is not a date" in page
    assert "Row 8, column “Staff”: “=HYPERLINK(1)” starts like a spreadsheet formula" in page
    assert "Row 9, column “System”: the system is missing." in page
    assert "Row 2" not in page
    assert not Account.objects.exists()


def test_a_file_without_the_columns_is_refused(client_for, it_lead, school, setting):
    page = upload(client_for(it_lead), school, "Who,Role\nAda,Teacher\n").content.decode()
    assert "The file has no column called: System, Staff (e-mail or name)" in page


def test_an_xlsx_file_is_read_too(client_for, it_lead, school, setting):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["System name", "E-mail"])
    sheet.append(["SIMS", "ADA.LANE@ashmole.example.org"])
    sheet.append(["sims", "ada.lane@ashmole.example.org"])  # the same account twice
    out = io.BytesIO()
    book.save(out)
    client = client_for(it_lead)
    page = upload(client, school, out.getvalue(), "accounts.xlsx").content.decode()
    assert "The file adds 1 account;" in page
    client.post(f"/s/{school.slug}/systems/accounts/import/", {"token": token_of(page)})
    assert Account.objects.get().person.first_name == "Ada"


def test_a_tampered_token_is_refused(client_for, it_lead, school, setting):
    client = client_for(it_lead)
    response = client.post(f"/s/{school.slug}/systems/accounts/import/", {"token": "abc"})
    assert "The checked file can no longer be read: upload it again." in response.content.decode()
    assert not Account.objects.exists()


def test_a_file_named_csv_that_is_not_text_is_refused(client_for, it_lead, school, setting):
    page = upload(client_for(it_lead), school, b"%PDF-1.4 binary").content.decode()
    assert "is not a CSV text file" in page


def test_only_the_it_lead_and_the_siro_import(client_for, office, school, setting):
    assert upload(client_for(office), school, GOOD).status_code == 403
