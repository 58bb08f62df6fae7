"""The DPO's decisions: the risk to people, and whether (and when) the ICO was told."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from bastion.core.models import AuditEvent
from bastion.incidents import services
from bastion.incidents.models import Incident
from tests.incidents.conftest import NOW, make_incident
from tests.incidents.handling import assess, decide, errors, page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.fixture
def incident(school, staff):
    return make_incident(school, staff, discovered_at=NOW - dt.timedelta(hours=2))


# ---- risk ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("likelihood", "severity", "risk"),
    [
        ("low", "low", "no_risk"),
        ("low", "high", "risk"),
        ("medium", "medium", "risk"),
        ("medium", "high", "high_risk"),
        ("high", "medium", "high_risk"),
        ("high", "high", "high_risk"),
    ],
)
def test_likelihood_and_severity_give_the_risk(
    client_for, school, incident, dpo, likelihood, severity, risk
):
    response = assess(client_for(dpo), school, incident, likelihood, severity)

    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.risk, incident.status) == (risk, Incident.Status.TRIAGED)
    assert incident.risk_reasoning == "Unencrypted, with pupils' medical notes."
    assert (incident.assessed_by, incident.assessed_at) == (dpo, NOW)
    event = AuditEvent.objects.get(action="incident.assessed")
    assert event.changes["risk"] == ["", risk]


def test_the_dpo_can_correct_when_the_school_became_aware(client_for, school, incident, dpo):
    assess(client_for(dpo), school, incident, aware_at="2026-03-01T18:00")

    incident.refresh_from_db()
    assert incident.aware_at == dt.datetime(2026, 3, 1, 18, 0, tzinfo=dt.UTC)
    assert incident.ico_deadline == dt.datetime(2026, 3, 4, 18, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"risk_reasoning": ""}, "risk_reasoning", "Enter the reasoning"),
        ({"risk_reasoning": "x" * 10_000}, "risk_reasoning", "Keep this under 5,000"),
        ({"likelihood": "x" * 10_000}, "likelihood", "Select a valid choice"),
        ({"aware_at": "2026-03-03T09:00"}, "aware_at", "cannot be in the future"),
        ({"aware_at": "yesterday"}, "aware_at", "Enter a real date and time"),
        ({"aware_at": ""}, "aware_at", "Enter when the school became aware."),
    ],
)
def test_a_bad_assessment_is_refused_and_changes_nothing(
    client_for, school, incident, dpo, changes, field, message
):
    response = assess(client_for(dpo), school, incident, **changes)

    assert response.status_code == 200
    assert message in errors(response, field)
    incident.refresh_from_db()
    assert not incident.risk and incident.status == Incident.Status.REPORTED


# ---- the ICO -------------------------------------------------------------------------------------


def test_not_notifiable_needs_the_reason_and_stops_the_clock(client_for, school, incident, dpo):
    client = client_for(dpo)
    refused = decide(client, school, incident, decision="not_notifiable")
    assert "Say why it does not need to be reported." in errors(refused, "not_notifiable_reason")

    decide(client, school, incident, decision="not_notifiable", not_notifiable_reason="Encrypted.")

    incident.refresh_from_db()
    assert incident.notify_ico is False and incident.not_notifiable_reason == "Encrypted."
    assert "Not reportable to the ICO." in client.get(page(school, incident)).content.decode()


def test_deciding_to_notify_keeps_the_clock_running_until_it_is_recorded(
    client_for, school, incident, dpo
):
    client = client_for(dpo)
    decide(client, school, incident, decision="will_notify")
    incident.refresh_from_db()
    assert incident.notify_ico is True and incident.ico_notified_at is None
    assert "70 hours 0 minutes left" in client.get(page(school, incident)).content.decode()

    decide(
        client,
        school,
        incident,
        decision="notified",
        ico_reference="IC-123456-A1B2",
        ico_notified_at="2026-03-02T09:45",
    )

    incident.refresh_from_db()
    assert incident.ico_reference == "IC-123456-A1B2"
    assert incident.ico_notified_at == dt.datetime(2026, 3, 2, 9, 45, tzinfo=dt.UTC)
    assert not incident.notified_late
    html = client.get(page(school, incident)).content.decode()
    assert "The ICO was told on 2 March 2026 at 09:45 (reference IC-123456-A1B2)." in html


def test_a_late_notification_is_refused_without_the_reason(
    client_for, school, incident, dpo, clock
):
    clock.move_to(NOW + dt.timedelta(days=4))
    client = client_for(dpo)
    late = {"decision": "notified", "ico_reference": "IC-9", "ico_notified_at": "2026-03-06T09:00"}

    refused = decide(client, school, incident, **late)

    assert "give the reason for the delay" in errors(refused, "late_reason")
    incident.refresh_from_db()
    assert incident.notify_ico is None

    decide(client, school, incident, **late, late_reason="The head was abroad; we misjudged.")
    incident.refresh_from_db()
    assert incident.notified_late
    assert incident.late_reason == "The head was abroad; we misjudged."


def test_the_service_itself_refuses_a_late_notification_without_the_reason(
    school, incident, dpo, clock
):
    clock.move_to(NOW + dt.timedelta(days=4))
    with pytest.raises(ValidationError, match="reason for the delay"):
        services.incident_record_notification(
            actor=dpo,
            school=school,
            incident=incident,
            reference="IC-9",
            notified_at=incident.ico_deadline + dt.timedelta(minutes=1),
        )


def test_an_in_time_notification_keeps_no_stray_late_reason(client_for, school, incident, dpo):
    decide(
        client_for(dpo),
        school,
        incident,
        decision="notified",
        ico_reference="IC-9",
        ico_notified_at="2026-03-02T09:45",
        late_reason="Not late at all",
    )
    incident.refresh_from_db()
    assert incident.late_reason == ""


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "decision", "Choose whether the ICO needs to be told."),
        ({"decision": "x" * 10_000}, "decision", "Select a valid choice"),
        (
            {"decision": "notified", "ico_notified_at": "2026-03-02T09:00"},
            "ico_reference",
            "Enter the reference",
        ),
        ({"decision": "notified", "ico_reference": "IC-1"}, "ico_notified_at", "Enter when"),
        (
            {
                "decision": "notified",
                "ico_reference": "x" * 10_000,
                "ico_notified_at": "2026-03-02T09:00",
            },
            "ico_reference",
            "40 characters or fewer",
        ),
        (
            {
                "decision": "notified",
                "ico_reference": "IC-1",
                "ico_notified_at": "2026-03-09T09:00",
            },
            "ico_notified_at",
            "cannot be in the future",
        ),
        (
            {"decision": "not_notifiable", "not_notifiable_reason": "x" * 10_000},
            "not_notifiable_reason",
            "Keep this under 5,000",
        ),
    ],
)
def test_a_bad_ico_decision_is_refused_and_changes_nothing(
    client_for, school, incident, dpo, data, field, message
):
    response = decide(client_for(dpo), school, incident, **data)

    assert response.status_code == 200
    assert message in errors(response, field)
    incident.refresh_from_db()
    assert incident.notify_ico is None
