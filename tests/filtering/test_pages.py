"""The filtering pages: who may see and change what (and the named senior leader), forms with
bad input, evidence downloads, and fixed query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.core.models import AuditEvent
from bastion.filtering import register
from bastion.filtering.models import Check, Decision, FilteringSetup, Provider
from tests.filtering.conftest import PNG, TODAY, add_person, check

pytestmark = pytest.mark.django_db
URL = "/s/ashmole/filtering/"
PAGES = ["", "decisions/", "checks/"]
EDIT_PAGES = ["setup/", "providers/add/", "decisions/add/", "checks/add/"]


def text(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


def test_who_may_see_and_change_the_register(
    school, siro, dpo, it_lead, office, staff, governor, outsider, client_for
):
    for user in (siro, dpo, it_lead):
        for page in PAGES + EDIT_PAGES:
            assert client_for(user).get(URL + page).status_code == 200, page
    for page in PAGES:
        assert client_for(governor).get(URL + page).status_code == 200
    for page in EDIT_PAGES:
        assert client_for(governor).get(URL + page).status_code == 403
    for user in (office, staff):
        for page in PAGES + EDIT_PAGES:
            assert client_for(user).get(URL + page).status_code == 403
    assert client_for(outsider).get(URL).status_code == 404


def test_the_named_senior_leader_may_see_the_register_and_record_checks(
    school, siro, staff, client_for
):
    leader = add_person(school, staff, "Sam", "Staff")
    register.setup_save(actor=siro, school=school, data={"senior_leader": leader})
    client = client_for(staff)
    assert client.get(URL).status_code == 200
    assert client.get(URL + "checks/").status_code == 200
    response = client.post(
        URL + "checks/add/",
        {"kind": "review", "checked_on": TODAY.isoformat(), "results": "Reviewed with governor"},
    )
    assert response.status_code == 302
    assert Check.objects.get().checked_by == staff
    # Only checks: the setup, providers and decisions stay with the roles.
    assert client.get(URL + "setup/").status_code == 403
    assert client.get(URL + "decisions/").status_code == 403


def test_the_it_lead_fills_in_the_register(school, siro, it_lead, hana, gina, client_for):
    client = client_for(it_lead)
    response = client.post(
        URL + "setup/",
        {
            "senior_leader": hana.pk,
            "governor": gina.pk,
            "monitoring": "Monitoring service; alerts to the DSL",
            "monitors_email": "on",
            "check_every_days": "120",
        },
    )
    assert response.status_code == 302
    response = client.post(
        URL + "providers/add/",
        {
            "name": "LGfL WebScreen",
            "filters": "on",
            "covers_wired": "on",
            "covers_wireless": "on",
            "active": "on",
        },
    )
    assert response.status_code == 302
    response = client.post(
        URL + "decisions/add/",
        {
            "decided_on": TODAY.isoformat(),
            "action": "block",
            "what": "proxy sites",
            "reason": "Used to get round the filter",
        },
    )
    assert response.status_code == 302
    upload = SimpleUploadedFile("report.png", PNG, content_type="image/png")
    response = client.post(
        URL + "checks/add/",
        {
            "kind": "check",
            "checked_on": TODAY.isoformat(),
            "results": "All blocked",
            "evidence": upload,
        },
    )
    assert response.status_code == 302
    page = text(client.get(URL))
    assert "Hana Siro" in page and "Gina Governor" in page
    assert "Wired network, wireless network" in page
    assert "proxy sites" in page and "All blocked" in page
    assert "No yearly review is recorded yet." in page
    recorded = Check.objects.get()
    download = client.get(f"{URL}checks/{recorded.pk}/evidence/")
    assert download.status_code == 200 and download.content == PNG
    assert AuditEvent.objects.filter(action="file.downloaded").exists()


def test_bad_input_is_refused_and_kept(school, it_lead, client_for):
    client = client_for(it_lead)
    upload = SimpleUploadedFile("notes.txt", b"plain text", content_type="text/plain")
    response = client.post(
        URL + "checks/add/",
        {
            "kind": "check",
            "checked_on": TODAY.isoformat(),
            "results": "Mostly fine",
            "evidence": upload,
        },
    )
    assert response.status_code == 200
    page = text(response)
    assert "The file is not a PDF, PNG or JPEG" in page and "Mostly fine" in page
    assert not Check.objects.exists()
    response = client.post(URL + "checks/add/", {"kind": "audit", "checked_on": "2026-13-01"})
    assert response.status_code == 200
    page = text(response)
    assert "Enter a real date" in page and "Record the results." in page
    future = (TODAY + dt.timedelta(days=2)).isoformat()
    response = client.post(
        URL + "decisions/add/",
        {"decided_on": future, "action": "block", "what": "x", "reason": "y"},
    )
    assert "The date cannot be in the future." in text(response)
    response = client.post(URL + "setup/", {"senior_leader": "99999", "check_every_days": "7"})
    assert response.status_code == 200
    assert "Choose a current member of staff from the list." in text(response)
    assert not Decision.objects.exists() and not FilteringSetup.objects.exists()
    assert client.get(f"{URL}checks/12345/evidence/").status_code == 404
    assert client.get(f"{URL}providers/12345/edit/").status_code == 404


def test_the_pages_use_the_same_queries_for_few_or_many_rows(
    school, siro, it_lead, client_for, django_assert_num_queries
):
    client = client_for(it_lead)
    client.get(URL)

    def build(n):
        for i in range(n):
            check(it_lead, school, days_ago=i, kind="review" if i % 3 == 0 else "check")
            register.decision_record(
                actor=it_lead,
                school=school,
                data={"decided_on": TODAY, "action": "allow", "what": f"site{i}", "reason": "r"},
            )
            Provider.objects.create(school=school, name=f"P{Provider.objects.count()}")

    build(2)
    pages = [URL, URL + "decisions/", URL + "checks/"]
    counts = []
    for page in pages:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page).status_code == 200
        counts.append(len(queries))
    build(8)
    for page, count in zip(pages, counts, strict=True):
        with django_assert_num_queries(count):
            assert client.get(page).status_code == 200
