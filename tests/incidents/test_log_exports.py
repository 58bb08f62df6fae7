"""Exporting the breach log: an XLSX and a PDF a DPO would hand to the ICO or the governors,
read back; the filters carried into the file; password protection; formula injection; every
export audited; a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from bastion.core.models import AuditEvent
from bastion.incidents.log import XLSX_COLUMNS
from bastion.incidents.models import Action, Incident, Kind, Level, Risk
from tests.exports import pdf_text, unlock_pdf, unlock_xlsx
from tests.incidents.test_log_figures import NOT_REPORTABLE, NOW, add_incident, at, told

pytestmark = pytest.mark.django_db

PASSWORD = "amber-kestrel-2290"
HEADERS = [name for name, _ in XLSX_COLUMNS]


@pytest.fixture
def today(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def breaches(school, other_school, siro, dpo, it_lead, outsider, today):
    """A fully recorded breach told to the ICO late, one ruled out, one fresh; one elsewhere."""
    aware = at(2026, 2, 9, 8, 30)
    full = add_incident(
        school,
        siro,
        aware,
        Kind.WRONG_RECIPIENT,
        reference="INC-2026-0007",
        what_happened="Year 5 reports e-mailed to the wrong parent list.",
        happened_at=at(2026, 2, 6, 16, 0),
        discovered_at=at(2026, 2, 9, 8, 0),
        system_or_asset="School MIS",
        personal_data="Names, attainment, SEN notes",
        people_affected=31,
        children_data=True,
        special_category=True,
        done_already="Asked recipients to delete the e-mail.",
        status=Incident.Status.CLOSED,
        likelihood=Level.HIGH,
        severity=Level.MEDIUM,
        risk=Risk.HIGH_RISK,
        risk_reasoning="SEN notes reveal health data of children.",
        ico_reference="IC-123456-A1B2",
        late_reason="The DPO was on leave over the weekend.",
        tell_people=True,
        people_told_on=dt.date(2026, 2, 13),
        people_told_how="Letter to each family",
        cause="Autocomplete chose the wrong distribution list.",
        lessons="Turn off autocomplete for distribution lists.",
        closed_at=at(2026, 2, 27, 15, 0),
        **told(aware, 80),
    )
    Action.objects.create(
        school=school, incident=full, kind=Action.Kind.CONTAINMENT, owner=dpo,
        description="Recall the e-mail", due_on=dt.date(2026, 2, 9), done_at=at(2026, 2, 9, 9),
    )  # fmt: skip
    Action.objects.create(
        school=school, incident=full, kind=Action.Kind.PREVENTION, owner=it_lead,
        description="Disable list autocomplete", due_on=dt.date(2026, 2, 20),
    )  # fmt: skip
    ruled_out = add_incident(
        school,
        siro,
        at(2025, 11, 3, 10),
        Kind.LOST_DEVICE,
        reference="INC-2025-0003",
        what_happened='=HYPERLINK("http://evil.example","Click")',
        **NOT_REPORTABLE,
    )
    fresh = add_incident(
        school, dpo, NOW - dt.timedelta(hours=2), Kind.PASSWORD, reference="INC-2026-0009"
    )
    add_incident(other_school, outsider, aware, Kind.PAPER, reference="INC-2026-0099")
    return {"full": full, "ruled_out": ruled_out, "fresh": fresh}


def export(client, school, fmt="xlsx", password="", query=""):
    address = f"/s/{school.slug}/incidents/log/export/" + (f"?{query}" if query else "")
    response = client.post(address, {"format": fmt, "password": password})
    assert response.status_code == 200
    return response


def rows_of(data: bytes) -> tuple:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = [
        dict(zip(HEADERS, r, strict=True)) for r in sheet.iter_rows(min_row=4, values_only=True)
    ]
    return sheet, rows


# XLSX ----------------------------------------------------------------------------------------


def test_the_xlsx_holds_every_fact_of_the_breach_log(breaches, school, dpo, client_for):
    response = export(client_for(dpo), school)

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"] == (
        'attachment; filename="breach-log-ashmole-2026-03-02.xlsx"'
    )
    assert response["Cache-Control"] == "no-store"
    sheet, rows = rows_of(response.content)
    assert sheet.title == "Breach log"
    assert sheet["A1"].value == "Breach log of Ashmole Primary"
    assert sheet["A2"].value.startswith("Exported 2 March 2026 at 12:00 by Dev Dpo. Showing: all")
    assert [c.value for c in sheet[3]] == HEADERS
    assert [r["Reference"] for r in rows] == ["INC-2026-0009", "INC-2026-0007", "INC-2025-0003"]

    full = rows[1]
    assert full == full | {
        "Kind": "E-mail or letter to the wrong recipient",
        "Status": "Closed",
        "What happened": "Year 5 reports e-mailed to the wrong parent list.",
        "Happened": dt.datetime(2026, 2, 6, 16, 0),
        "Discovered": dt.datetime(2026, 2, 9, 8, 0),
        "School became aware": dt.datetime(2026, 2, 9, 8, 30),
        "72 hours end": dt.datetime(2026, 2, 12, 8, 30),
        "System or asset": "School MIS",
        "Personal data affected": "Names, attainment, SEN notes",
        "People affected": 31,
        "Children's data": "Yes",
        "Special category data": "Yes",
        "Likely consequences": (
            "A high risk to people (likelihood high, severity medium)\n"
            "SEN notes reveal health data of children."
        ),
        "ICO decision": "Yes",
        "ICO told on": dt.datetime(2026, 2, 12, 16, 30),
        "ICO reference": "IC-123456-A1B2",
        "Told late": "Yes",
        "Reason for the delay": "The DPO was on leave over the weekend.",
        "People affected told": "Yes, on 13 February 2026 (Letter to each family)",
        "Cause": "Autocomplete chose the wrong distribution list.",
        "Lessons learned": "Turn off autocomplete for distribution lists.",
        "Closed": dt.datetime(2026, 2, 27, 15, 0),
    }
    assert full["Steps taken"] == (
        "When reported: Asked recipients to delete the e-mail.\n"
        "Containment: Recall the e-mail (Dev Dpo; done 9 February 2026)\n"
        "Prevention: Disable list autocomplete (Ira Itlead; open, due 20 February 2026, overdue)"
    )
    fresh, ruled_out = rows[0], rows[2]
    assert fresh["ICO decision"] == "Not decided"
    assert fresh["Likely consequences"] == "Not yet assessed"
    assert fresh["People affected told"] == "Not decided"
    assert fresh["Happened"] is None
    assert fresh["Steps taken"] == "None recorded"
    assert ruled_out["ICO decision"] == "No"
    assert ruled_out["Why the ICO was not told"] == "Encrypted laptop"
    assert ruled_out["Told late"] == "No"
    assert sheet["E5"].number_format == "DD/MM/YYYY HH:MM"


def test_the_export_holds_only_what_the_filters_chose_and_says_so(
    breaches, school, siro, client_for
):
    query = "term=spring-2026&notified=yes"
    sheet, rows = rows_of(export(client_for(siro), school, query=query).content)
    assert [r["Reference"] for r in rows] == ["INC-2026-0007"]
    assert (
        "Showing: Spring term 2026 (January to April 2026); ICO: told the ICO." in sheet["A2"].value
    )


def test_a_bad_filter_on_the_export_is_ignored_not_a_failure(breaches, school, siro, client_for):
    _, rows = rows_of(export(client_for(siro), school, query="kind=%00&term=x").content)
    assert len(rows) == 3


def test_text_that_looks_like_a_formula_stays_text(breaches, school, dpo, client_for):
    sheet, _ = rows_of(export(client_for(dpo), school).content)
    cell = next(c for row in sheet.iter_rows(min_row=4) for c in row if "HYPERLINK" in str(c.value))
    assert cell.data_type == "s"
    assert cell.quotePrefix is True
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_a_password_protected_xlsx_opens_only_with_the_password(breaches, school, dpo, client_for):
    data = export(client_for(dpo), school, password=PASSWORD).content

    plain = io.BytesIO(unlock_xlsx(data, PASSWORD))
    _, rows = rows_of(plain.getvalue())
    assert [r["Reference"] for r in rows] == ["INC-2026-0009", "INC-2026-0007", "INC-2025-0003"]


# PDF -----------------------------------------------------------------------------------------


def test_the_pdf_lays_out_each_breach_for_the_ico_or_the_governors(
    breaches, school, dpo, client_for
):
    response = export(client_for(dpo), school, fmt="pdf")

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('-2026-03-02.pdf"')
    assert not PdfReader(io.BytesIO(response.content)).is_encrypted
    text = " ".join(pdf_text(response.content).split())
    for expected in [
        "Breach log of Ashmole Primary",
        "INC-2026-0007",
        "Year 5 reports e-mailed to the wrong parent list.",
        "Happened: 6 February 2026 at 16:00",
        "School aware: 9 February 2026 at 08:30",
        "About 31 people",
        "Special category data",
        "A high risk to people (likelihood high, severity medium)",
        "Recall the e-mail (Dev Dpo; done 9 February 2026)",
        "Yes, 12 February 2026 at 16:30, reference IC-123456-A1B2",
        "Late: The DPO was on leave over the weekend.",
        "Yes, on 13 February 2026 (Letter to each family)",
        "Lessons: Turn off autocomplete",
        "No: Encrypted laptop",
        "Not decided (72 hours end 5 March 2026 at 10:00)",
    ]:
        assert expected in text, expected
    assert "INC-2026-0099" not in text


def test_a_password_protected_pdf_needs_the_password(breaches, school, dpo, client_for):
    data = export(client_for(dpo), school, fmt="pdf", password=PASSWORD).content
    assert "INC-2026-0007" in unlock_pdf(data, PASSWORD)


# The form, audit and bad input ---------------------------------------------------------------


def test_the_export_page_says_what_will_be_exported(breaches, school, dpo, client_for):
    address = f"/s/{school.slug}/incidents/log/export/?kind=lost_device"
    html = client_for(dpo).get(address).content.decode()
    assert "<strong>1 incident</strong>: kind: lost device." in html
    assert 'href="/s/ashmole/incidents/log/?kind=lost_device"' in html
    assert not AuditEvent.objects.filter(action="incident.log_exported").exists()


@pytest.mark.parametrize(
    ("fmt", "password"), [("xlsx", ""), ("xlsx", PASSWORD), ("pdf", ""), ("pdf", PASSWORD)]
)
def test_every_export_is_audited(breaches, school, trust_admin, client_for, fmt, password):
    export(client_for(trust_admin), school, fmt=fmt, password=password, query="kind=password")

    event = AuditEvent.objects.get(action="incident.log_exported")
    assert (event.actor, event.school) == (trust_admin, school)
    assert event.object_repr == f"Breach log of Ashmole Primary ({fmt})"
    assert event.changes == {
        "format": fmt,
        "password_protected": bool(password),
        "rows": 1,
        "filters": "kind: lost or disclosed password",
    }
    assert PASSWORD not in str(event.changes)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"format": "xlsx", "password": "short"}, "Use at least 8 characters"),
        ({"format": "xlsx", "password": "p" * 10_000}, "at most 128 characters"),
        ({"format": "docx"}, "Select a valid choice"),
        ({"format": "xlsx\x00"}, "Select a valid choice"),
        ({}, "Choose Excel or PDF."),
    ],
)
def test_a_bad_export_request_is_refused_and_not_audited(
    breaches, school, dpo, client_for, data, message
):
    response = client_for(dpo).post(f"/s/{school.slug}/incidents/log/export/", data)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(action="incident.log_exported").exists()


def test_the_export_uses_the_same_number_of_queries_for_5_or_60_incidents(
    school, siro, dpo, client_for, today
):
    client = client_for(dpo)
    export(client, school)  # warm the session

    def count(n):
        for i in range(n):
            incident = add_incident(school, siro, at(2026, 1, 5, 9) + dt.timedelta(hours=i))
            Action.objects.create(
                school=school, incident=incident, kind=Action.Kind.RECOVERY, owner=dpo,
                description=f"Step {i}", due_on=dt.date(2026, 3, 1),
            )  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            response = export(client, school)
        return len(queries), len(rows_of(response.content)[1])

    small, rows_small = count(5)
    large, rows_large = count(55)
    assert (rows_small, rows_large) == (5, 60)
    assert small == large
