"""The evidence export, read back: XLSX and password-protected PDF, audited."""

from __future__ import annotations

import pytest

from bastion.core.models import AuditEvent
from tests.agreements.helpers import build
from tests.exports import first_sheet, unlock_pdf, unlock_xlsx

pytestmark = pytest.mark.django_db
URL = "/s/ashmole/agreements/export/"


def test_the_xlsx_lists_every_signature_with_its_version_and_hash(school, dpo, client_for):
    data = build(school)
    response = client_for(dpo).post(URL, {"format": "xlsx"})
    sheet = first_sheet(response.content)
    headers = [c.value for c in sheet[3]]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert len(rows) == 11
    staff = data["staff"][0]
    row = next(r for r in rows if r[1] == staff.first_name)
    assert row[headers.index("Version")] == 1
    assert row[headers.index("How")] == "Signed in Bastion"
    version = data["agreements"]["staff"].current
    assert row[headers.index("SHA-256 of the text signed")] == version.text_hash
    event = AuditEvent.objects.get(action="agreement.exported")
    assert event.changes["rows"] == 11 and event.actor == dpo


def test_the_pdf_can_be_password_protected(school, office, client_for):
    data = build(school)
    response = client_for(office).post(URL, {"format": "pdf", "password": "long-enough-1"})
    text = unlock_pdf(response.content, "long-enough-1")
    assert data["parents"][0].last_name in text
    assert AuditEvent.objects.get(action="agreement.exported").changes["password_protected"]


def test_a_protected_xlsx_opens_with_its_password(school, office, client_for):
    build(school)
    response = client_for(office).post(URL, {"format": "xlsx", "password": "long-enough-1"})
    assert first_sheet(unlock_xlsx(response.content, "long-enough-1"))["A1"].value.startswith(
        "Acceptable Use Agreement signatures"
    )


def test_a_short_password_is_refused(school, office, client_for):
    response = client_for(office).post(URL, {"format": "xlsx", "password": "short"})
    assert response.status_code == 200
    assert "at least 8 characters" in response.content.decode()
    assert not AuditEvent.objects.filter(action="agreement.exported").exists()


def test_staff_cannot_export(school, staff, client_for):
    assert client_for(staff).post(URL, {"format": "xlsx"}).status_code == 403
