"""The off-site pages: who sees what, asking, deciding, recording a return, bad input, queries."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.offsite.models import Removal
from bastion.systems.models import System
from tests.offsite.conftest import TODAY, add_device, add_staff, record

pytestmark = pytest.mark.django_db
URL = "/s/ashmole/offsite/"


def text(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


def test_governors_and_outsiders_cannot_open_the_log(school, governor, outsider, client_for):
    assert client_for(governor).get(URL).status_code == 403
    assert client_for(governor).get(URL + "add/").status_code == 403
    assert client_for(outsider).get(URL).status_code == 404


def test_staff_see_only_their_own_removals_and_officers_see_all(
    school, staff, dpo, sam, client_for
):
    mine = record(dpo, school, sam, what="Sam's marking")
    record(dpo, school, add_staff(school), what="Imogen's reports")
    page = text(client_for(staff).get(URL))
    assert "Sam's marking" in page and "Imogen's reports" not in page
    assert "Your removals (1)" in page
    page = text(client_for(dpo).get(URL))
    assert "Sam's marking" in page and "Imogen's reports" in page
    # Staff cannot decide, and cannot reach someone else's removal.
    other = Removal.objects.exclude(pk=mine.pk).get()
    assert client_for(staff).get(f"{URL}{other.pk}/close/").status_code == 404
    assert client_for(staff).get(f"{URL}{mine.pk}/decide/").status_code == 403


def test_the_page_offers_the_approved_remote_access_instead(school, staff, sam, client_for):
    assert "No approved remote-access system is recorded" in text(client_for(staff).get(URL))
    System.objects.create(school=school, name="RAv3 VPN", kind="remote_access", mfa_enforced=True)
    System.objects.create(school=school, name="Old VPN", kind="remote_access", archived=True)
    System.objects.create(school=school, name="Pupil MIS", kind="mis")
    page = text(client_for(staff).get(URL))
    assert "RAv3 VPN (with two-factor authentication)" in page
    assert "Old VPN" not in page and "Pupil MIS" not in page


def test_a_member_of_staff_asks_and_the_dpo_approves(school, staff, dpo, sam, client_for):
    drive = add_device(school, make="Kingston", model="IronKey", asset_tag="FD-01")
    client = client_for(staff)
    page = text(client.get(URL + "add/"))
    assert "Who takes the data" not in page  # staff ask for themselves
    response = client.post(
        URL + "add/",
        {
            "what": "Reading records",
            "why": "Parents' evening preparation",
            "device": drive.pk,
            "taken_on": TODAY.isoformat(),
            "due_on": (TODAY + dt.timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 302
    removal = Removal.objects.get()
    assert (removal.person, removal.status, removal.requested_by) == (sam, "requested", staff)

    response = client_for(dpo).post(f"{URL}{removal.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 302
    removal.refresh_from_db()
    assert removal.status == "approved" and removal.decided_by == dpo

    response = client.post(
        f"{URL}{removal.pk}/close/", {"outcome": "returned", "closed_on": TODAY.isoformat()}
    )
    assert response.status_code == 302
    removal.refresh_from_db()
    assert removal.status == "returned" and removal.closed_by == staff


def test_an_unencrypted_drive_is_refused_on_the_form_and_nothing_typed_is_lost(
    school, dpo, sam, client_for
):
    drive = add_device(school, encrypted=False, make="SanDisk", model="Cruzer", asset_tag="FD-9")
    response = client_for(dpo).post(
        URL + "add/",
        {
            "person": sam.pk,
            "what": "Class list with medical notes",
            "why": "School trip",
            "device": drive.pk,
            "taken_on": TODAY.isoformat(),
            "due_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 200
    page = text(response)
    assert "SanDisk Cruzer (FD-9) is not encrypted" in page
    assert "Class list with medical notes" in page and "School trip" in page
    assert "SanDisk Cruzer (FD-9) (not encrypted)" in page
    assert not Removal.objects.exists()


def test_bad_input_gets_messages_not_errors(school, dpo, sam, client_for):
    response = client_for(dpo).post(
        URL + "add/", {"person": "999999", "taken_on": "31/02/2026", "due_on": "soon"}
    )
    assert response.status_code == 200
    page = text(response)
    assert "Choose a current member of staff from the list." in page
    assert "Say what data leaves school." in page
    assert "Enter a real date" in page
    assert client_for(dpo).post(f"{URL}12345/decide/", {"decision": "approve"}).status_code == 404


def test_staff_without_a_staff_record_are_told_to_ask_the_office(school, staff, client_for):
    page = text(client_for(staff).get(URL + "add/"))
    assert "not linked to a staff record" in page


def test_the_list_uses_the_same_queries_for_few_or_many_removals(
    school, dpo, client_for, django_assert_num_queries
):
    client = client_for(dpo)
    client.get(URL)  # warm the session

    def build(n):
        for i in range(n):
            person = add_staff(school, first=f"P{i}", last="Teacher")
            record(dpo, school, person, due_on=TODAY + dt.timedelta(days=i % 5))

    build(3)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(URL + "?show=all").status_code == 200
    build(9)
    with django_assert_num_queries(len(few)):
        assert client.get(URL + "?show=all").status_code == 200
