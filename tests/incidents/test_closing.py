"""Telling the people affected, closing with cause and lessons, and reopening (logged)."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.core.models import AuditEvent
from bastion.incidents.models import Incident
from tests.incidents.conftest import NOW, make_incident
from tests.incidents.handling import assess, close, decide, errors, page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.fixture
def incident(school, staff):
    return make_incident(school, staff, discovered_at=NOW - dt.timedelta(hours=2))


# ---- telling people ---------------------------------------------------------------------------


def test_telling_people_records_when_and_how(client_for, school, incident, dpo):
    client_for(dpo).post(
        page(school, incident, "tell/"),
        {"decision": "yes", "people_told_on": "2026-03-02", "people_told_how": "Letter home"},
    )

    incident.refresh_from_db()
    assert incident.tell_people is True
    assert (incident.people_told_on, incident.people_told_how) == (
        dt.date(2026, 3, 2),
        "Letter home",
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"decision": "yes", "people_told_how": "Letter"}, "people_told_on", "Enter when"),
        ({"decision": "yes", "people_told_on": "2026-03-02"}, "people_told_how", "Say how"),
        ({"decision": "no"}, "not_telling_reason", "Say why"),
        (
            {"decision": "yes", "people_told_on": "2026-03-09", "people_told_how": "Letter"},
            "people_told_on",
            "once they have been told",
        ),
        (
            {"decision": "yes", "people_told_on": "x" * 10_000, "people_told_how": "Letter"},
            "people_told_on",
            "Enter a real date",
        ),
        (
            {"decision": "yes", "people_told_on": "2026-03-02", "people_told_how": "x" * 10_000},
            "people_told_how",
            "200 characters",
        ),
    ],
)
def test_a_bad_decision_about_telling_people_is_refused(
    client_for, school, incident, dpo, data, field, message
):
    response = client_for(dpo).post(page(school, incident, "tell/"), data)

    assert message in errors(response, field)
    incident.refresh_from_db()
    assert incident.tell_people is None


# ---- closing and reopening ---------------------------------------------------------------------


def test_an_undecided_incident_cannot_be_closed(client_for, school, incident, dpo):
    response = close(client_for(dpo), school, incident)

    html = response.content.decode()
    assert "Assess the risk to people first." in html
    assert "Decide whether the ICO must be told first." in html
    incident.refresh_from_db()
    assert incident.status != Incident.Status.CLOSED


def test_a_high_risk_needs_a_decision_about_telling_people_before_closing(
    client_for, school, incident, dpo
):
    client = client_for(dpo)
    assess(client, school, incident)
    decide(
        client,
        school,
        incident,
        decision="notified",
        ico_reference="IC-1",
        ico_notified_at="2026-03-02T09:50",
    )

    response = close(client, school, incident)

    assert "decide whether to tell the people affected first" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == Incident.Status.TRIAGED


@pytest.fixture
def decided(client_for, school, incident, dpo):
    client = client_for(dpo)
    assess(client, school, incident, "low", "low")
    decide(client, school, incident, decision="not_notifiable", not_notifiable_reason="No risk.")
    return incident


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"cause": ""}, "cause"),
        ({"lessons": ""}, "lessons"),
        ({"lessons": "x" * 10_000}, "lessons"),
    ],
)
def test_closing_needs_the_cause_and_the_lessons(client_for, school, decided, dpo, data, field):
    response = close(client_for(dpo), school, decided, **data)

    assert errors(response, field)
    decided.refresh_from_db()
    assert decided.status == Incident.Status.TRIAGED


def test_closing_and_reopening_are_logged(client_for, school, decided, dpo, siro):
    close(client_for(dpo), school, decided)
    decided.refresh_from_db()
    assert decided.status == Incident.Status.CLOSED
    assert (decided.closed_by, decided.closed_at) == (dpo, NOW)

    # A closed incident cannot be changed until it is reopened.
    response = assess(client_for(dpo), school, decided, "high", "high")
    assert response.status_code == 302
    decided.refresh_from_db()
    assert decided.risk == "no_risk"

    client_for(siro).post(page(school, decided, "reopen/"))
    decided.refresh_from_db()
    assert decided.status == Incident.Status.TRIAGED and decided.closed_at is None
    assert decided.cause == "Password kept on paper."
    actions = list(
        AuditEvent.objects.filter(
            object_id=str(decided.pk), action__in=["incident.closed", "incident.reopened"]
        )
        .order_by("id")
        .values_list("action", "actor__email")
    )
    assert actions == [("incident.closed", dpo.email), ("incident.reopened", siro.email)]


def test_reopening_is_a_post_and_an_open_incident_cannot_be_reopened(
    client_for, school, incident, dpo
):
    client = client_for(dpo)
    assert client.get(page(school, incident, "reopen/")).status_code == 405
    response = client.post(page(school, incident, "reopen/"), follow=True)
    assert "This incident is not closed." in response.content.decode()


def test_reopening_is_for_handlers_only(client_for, school, decided, dpo, staff):
    close(client_for(dpo), school, decided)

    assert client_for(staff).post(page(school, decided, "reopen/")).status_code == 403
    decided.refresh_from_db()
    assert decided.status == Incident.Status.CLOSED
