"""Paper sheets printed per class and ticked in bulk, with a scan kept encrypted; the class
agreement of younger pupils recorded by their teacher."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bastion.agreements.models import PaperRecord, Signature
from bastion.core import files
from bastion.core.models import AuditEvent
from tests.agreements.helpers import agreements, build, pupil
from tests.exports import pdf_text

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 2)
PAPER = "/s/ashmole/agreements/paper/"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC), tick=False)


def test_the_signing_sheet_of_a_class_lists_who_still_signs(school, office, client_for):
    data = build(school)
    response = client_for(office).get(
        "/s/ashmole/agreements/paper/sheet/?audience=pupil_older&class_name=3A"
    )
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Pupils' Acceptable Use Agreement" in text
    assert "I only log in with my own username" in text  # the agreement's text is printed
    for p in data["y3a"][1:]:
        assert p.full_name in text
    assert data["y3a"][0].full_name not in text  # already signed
    assert data["y3b"][1].full_name not in text  # another class
    assert AuditEvent.objects.filter(action="agreement.sheet_printed").exists()


def test_a_sheet_needs_a_group(school, office, client_for):
    agreements(school)
    response = client_for(office).get("/s/ashmole/agreements/paper/sheet/")
    assert response.status_code == 302 and response.url == PAPER


def test_ticks_are_recorded_in_bulk_with_the_scan_kept_encrypted(school, office, client_for):
    data = build(school)
    ticked = data["y3a"][1:3]
    scan = SimpleUploadedFile("sheet.pdf", b"%PDF-1.4 scanned sheet", "application/pdf")
    response = client_for(office).post(
        f"{PAPER}?audience=pupil_older&class_name=3A",
        {"people": [str(p.pk) for p in ticked], "signed_on": "2026-02-27", "scan": scan},
    )
    assert response.status_code == 302
    record = PaperRecord.objects.get(method="paper")
    assert record.count == 2 and record.signed_on == dt.date(2026, 2, 27)
    assert files.read(record.scan) == b"%PDF-1.4 scanned sheet"
    assert b"scanned sheet" not in bytes(record.scan.ciphertext)
    sigs = Signature.objects.filter(paper=record)
    assert {s.person_id for s in sigs} == {p.pk for p in ticked}
    assert all(s.method == "paper" and s.recorded_by == office for s in sigs)
    assert all(s.signed_at.date() == dt.date(2026, 2, 27) for s in sigs)
    download = client_for(office).get(f"/s/ashmole/agreements/paper/{record.pk}/scan/")
    assert b"".join(download.streaming_content if download.streaming else [download.content]) == (
        b"%PDF-1.4 scanned sheet"
    )


def test_ticking_the_same_sheet_twice_adds_nothing(school, office, client_for):
    data = build(school)
    post = {"people": [str(data["y3a"][1].pk)], "signed_on": "2026-02-27"}
    url = f"{PAPER}?audience=pupil_older&class_name=3A"
    client = client_for(office)
    assert client.post(url, post).status_code == 302
    again = client.post(url, post)
    assert again.status_code == 200
    assert "not in this group any more" in again.content.decode()
    assert Signature.objects.filter(person=data["y3a"][1]).count() == 1


@pytest.mark.parametrize(
    "data,message",
    [
        ({"signed_on": "2026-02-27"}, "Tick at least one person"),
        ({"signed_on": "2026-03-09", "tick": True}, "cannot be in the future"),
        ({"signed_on": "31/02/2026", "tick": True}, "Enter a real date"),
        ({"signed_on": "2026-02-27", "tick": True, "bad_scan": True}, "not a PDF, PNG or JPEG"),
    ],
)
def test_bad_paper_input_changes_nothing(school, office, client_for, data, message):
    people = build(school)
    post = {"signed_on": data["signed_on"]}
    if data.get("tick"):
        post["people"] = [str(people["y3a"][1].pk)]
    if data.get("bad_scan"):
        post["scan"] = SimpleUploadedFile("sheet.txt", b"hello", "text/plain")
    before = Signature.objects.count()
    response = client_for(office).post(f"{PAPER}?audience=pupil_older&class_name=3A", post)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Signature.objects.count() == before
    assert not PaperRecord.objects.exists()


def test_a_teacher_records_the_class_agreement(school, staff, client_for):
    data = build(school)
    response = client_for(staff).post(
        "/s/ashmole/agreements/class/",
        {"class_name": "RA", "signed_on": "2026-03-02", "note": "Talked about it together."},
    )
    assert response.status_code == 302
    record = PaperRecord.objects.get(method="class")
    assert record.count == 1  # two of the three had signed already
    assert record.recorded_by == staff
    signature = Signature.objects.get(person=data["ra"][2])
    assert signature.method == "class" and signature.agreement.audience == "pupil_younger"


def test_a_class_record_needs_a_class_with_pupils(school, staff, client_for):
    agreements(school)
    pupil(school, "1", "1A")
    response = client_for(staff).post(
        "/s/ashmole/agreements/class/", {"class_name": "9Z", "signed_on": "2026-03-02"}
    )
    assert response.status_code == 200
    assert "Choose one of the classes listed." in response.content.decode()
    assert not Signature.objects.exists()


@pytest.mark.parametrize("persona,status", [("governor", 403), ("dpo", 403), ("staff", 403)])
def test_paper_sheets_are_for_those_who_manage_agreements(
    request, school, client_for, persona, status
):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(PAPER).status_code == status


def test_governors_do_not_record_class_agreements(school, governor, client_for):
    assert client_for(governor).get("/s/ashmole/agreements/class/").status_code == 403
