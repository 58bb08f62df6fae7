"""The SCR report and a person's entry: who may see them, filters, gaps first, fixed queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.core.models import AuditEvent
from bastion.people.models import Check
from bastion.people.views.scr import PAGE_SIZE
from tests.people.test_scr_rules import NOON, TODAY, add_person, complete, record, set_recheck

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(time_machine):
    time_machine.move_to(NOON, tick=False)
    return TODAY


def report(client, school, **params):
    response = client.get(f"/s/{school.slug}/scr/", params)
    assert response.status_code == 200
    return response


def names(response) -> list[str]:
    """The people in the report's rows, in order."""
    return [f"{row['person'].first_name}" for row in response.context["rows"]]


@pytest.fixture
def staffroom(school, office, today):
    """Four people of school A whose entries differ, and one of school B."""
    set_recheck(school, 3)
    people = {
        "Abel": complete(add_person(office, school, first_name="Abel", last_name="Archer"), office),
        # Missing checks.
        "Bea": add_person(office, school, first_name="Bea", last_name="Baker", kind="governor"),
        # Started before the DBS certificate, no risk assessment.
        "Cy": complete(
            add_person(
                office, school, first_name="Cy", last_name="Cole", started_on=dt.date(2025, 9, 1)
            ),
            office,
            on=dt.date(2025, 9, 15),
        ),
        # Complete but the DBS is 5 years old.
        "Dee": complete(
            add_person(office, school, first_name="Dee", last_name="Dunn", kind="contractor"),
            office,
            on=dt.date(2021, 1, 4),
        ),
        "Eve": complete(
            add_person(
                office,
                school,
                first_name="Eve",
                last_name="Ennis",
                kind="volunteer",
                regulated_activity=True,
            ),
            office,
        ),
        "Left": add_person(
            office, school, first_name="Left", last_name="Long", left_on=dt.date(2025, 7, 18)
        ),
    }
    add_person(
        office,
        school,
        first_name="Pip",
        kind="pupil",
        date_of_birth=dt.date(2018, 1, 1),
        year_group="2",
    )
    add_person(office, school, first_name="Vic", kind="volunteer")  # not in regulated activity
    return people


# Who may see and change the record ------------------------------------------------------------

VIEW = {"siro", "dpo", "office", "trust_admin"}
EDIT = {"siro", "office", "trust_admin"}
PERSONAS = ["siro", "dpo", "it_lead", "office", "staff", "governor", "trust_admin", "outsider"]


def _pages(school, person):
    """(method, url, who may, what they get): an empty form is refused (200) or, where every
    field is optional, saved (302)."""
    base = f"/s/{school.slug}/scr"
    return [
        ("GET", f"{base}/", VIEW, 200),
        ("GET", f"{base}/{person.pk}/", VIEW, 200),
        ("GET", f"{base}/export/", VIEW, 200),
        ("POST", f"{base}/export/", VIEW, 200),
        ("GET", f"{base}/{person.pk}/check/dbs/", EDIT, 200),
        ("POST", f"{base}/{person.pk}/check/dbs/", EDIT, 200),
        ("GET", f"{base}/{person.pk}/entry/", EDIT, 200),
        ("POST", f"{base}/{person.pk}/entry/", EDIT, 302),
        ("GET", f"{base}/settings/", EDIT, 200),
        ("POST", f"{base}/settings/", EDIT, 302),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_office_siro_dpo_and_trust_admins_see_the_record_and_fewer_change_it(
    persona, request, school, office, client_for
):
    user = request.getfixturevalue(persona)
    person = add_person(office, school)
    client = client_for(user)
    answers = []
    for method, url, allowed, answer in _pages(school, person):
        response = client.get(url) if method == "GET" else client.post(url, {})
        expected = 404 if persona == "outsider" else (answer if persona in allowed else 403)
        answers.append((method, url, response.status_code, expected))
    assert [a[2] for a in answers] == [a[3] for a in answers], answers


def test_the_menu_offers_the_record_only_to_those_who_may_see_it(school, office, staff, client_for):
    home = f"/s/{school.slug}/"
    assert "Single Central Record" in client_for(office).get(home).content.decode()
    assert "Single Central Record" not in client_for(staff).get(home).content.decode()


# The report -------------------------------------------------------------------------------------


def test_entries_that_need_action_come_first_then_by_name(staffroom, client_for, office, school):
    response = report(client_for(office), school)
    assert names(response) == ["Bea", "Cy", "Dee", "Abel", "Eve"]
    assert response.context["page"].paginator.count == 5


def test_names_sort_alike_whatever_their_case_on_every_database(school, office, client_for, today):
    for last in ["de Vere", "Dawson", "ap Rhys", "Zeal"]:
        complete(add_person(office, school, first_name=last, last_name=last), office)
    response = report(client_for(office), school)
    assert names(response) == ["ap Rhys", "Dawson", "de Vere", "Zeal"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "gaps"}, ["Bea"]),
        ({"status": "started"}, ["Bea", "Cy"]),
        ({"status": "recheck"}, ["Dee"]),
        ({"status": "complete"}, ["Abel", "Eve"]),
        ({"status": "left"}, ["Left"]),
        ({"status": "nonsense"}, ["Bea", "Cy", "Dee", "Abel", "Eve"]),
        ({"kind": "governor"}, ["Bea"]),
        ({"kind": "volunteer"}, ["Eve"]),
        ({"kind": "pupil"}, ["Bea", "Cy", "Dee", "Abel", "Eve"]),
        ({"q": "ab"}, ["Abel"]),
        ({"q": "dunn"}, ["Dee"]),
        ({"q": "x" * 10_000}, []),
        ({"q": "Ab\x00el"}, ["Abel"]),
        ({"q": "\x00"}, ["Bea", "Cy", "Dee", "Abel", "Eve"]),
        ({"status": "complete", "kind": "staff"}, ["Abel"]),
        ({"page": "999"}, ["Bea", "Cy", "Dee", "Abel", "Eve"]),
        ({"page": "-1'"}, ["Bea", "Cy", "Dee", "Abel", "Eve"]),
    ],
)
def test_each_filter_shows_the_entries_it_names(
    staffroom, client_for, office, school, params, expected
):
    assert names(report(client_for(office), school, **params)) == expected


def test_each_row_shows_what_the_entry_needs(staffroom, client_for, office, school):
    page = report(client_for(office), school).content.decode()
    text = re.sub(r"<[^>]+>", " ", page)
    text = " ".join(text.split())
    assert "Enhanced DBS certificate: missing" in text
    assert "started before the DBS certificate: a dated risk assessment is needed" in text
    assert "DBS re-check due (certificate of 4 January 2021)" in text
    assert "Complete" in text


def test_someone_who_starts_later_is_flagged_as_started_without_dbs_once_the_day_comes(
    school, office, client_for, time_machine
):
    time_machine.move_to(dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC), tick=False)
    person = add_person(office, school, started_on=dt.date(2026, 4, 20))
    for check in ["identity", "barred_list", "right_to_work"]:
        record(person, check, office, on=TODAY)
    client = client_for(office)
    assert names(report(client, school, status="started")) == []
    assert "Enhanced DBS certificate: missing" in report(client, school).content.decode()

    time_machine.move_to(dt.datetime(2026, 4, 21, 12, tzinfo=dt.UTC), tick=False)
    client = client_for(office)  # a new session: the old one has expired meanwhile

    assert names(report(client, school, status="started")) == ["Ada"]


def test_the_report_uses_the_same_number_of_queries_for_5_or_60_people(
    school, office, client_for, today
):
    set_recheck(school, 3)
    client = client_for(office)
    client.get(f"/s/{school.slug}/scr/")  # warm the session

    def count(n):
        for i in range(n):
            person = add_person(office, school, first_name=f"P{i}", last_name=f"Q{n}-{i}")
            if i % 2:
                complete(person, office)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/s/{school.slug}/scr/")
        assert response.status_code == 200
        return len(queries), len(response.context["rows"])

    small, rows_small = count(5)
    large, rows_large = count(55)
    assert (rows_small, rows_large) == (5, PAGE_SIZE)
    assert small == large


# A person's entry -------------------------------------------------------------------------------


def test_opening_an_entry_is_audited_as_scr_viewed(school, dpo, office, client_for, today):
    person = complete(add_person(office, school, teaching_role=True), office)
    before = AuditEvent.objects.filter(action="scr.viewed").count()

    response = client_for(dpo).get(f"/s/{school.slug}/scr/{person.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Complete: every check this role needs is recorded." in page
    assert "001234567890" in page
    assert "Record<span" not in page  # the DPO may look, not change
    event = AuditEvent.objects.filter(action="scr.viewed").latest("pk")
    assert AuditEvent.objects.filter(action="scr.viewed").count() == before + 1
    assert (event.actor, event.school, event.object_id) == (dpo, school, str(person.pk))


def test_an_entry_shows_each_check_the_role_needs_and_what_is_missing(
    school, office, client_for, today
):
    person = add_person(office, school, teaching_role=True)
    record(person, "identity", office)
    page = client_for(office).get(f"/s/{school.slug}/scr/{person.pk}/").content.decode()
    assert page.count('govuk-tag--red">Missing<') == 4
    assert "Needs action: Enhanced DBS certificate: missing" in page
    for check in Check:
        assert f"/check/{check.value}/" in page


@pytest.mark.parametrize("who", ["pupil", "other school", "no such id", "not a number"])
def test_a_page_for_someone_outside_the_record_is_not_found(
    who, school, other_school, office, outsider, client_for
):
    if who == "pupil":
        pk = add_person(
            office, school, kind="pupil", date_of_birth=dt.date(2018, 1, 1), year_group="2"
        ).pk
    elif who == "other school":
        pk = add_person(outsider, other_school).pk
    else:
        pk = 987654 if who == "no such id" else "x"
    response = client_for(office).get(f"/s/{school.slug}/scr/{pk}/")
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="scr.viewed").exists()
