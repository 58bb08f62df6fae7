"""The 72-hour clock: its deadline, the 24/48/64-hour reminders (once each, over SMTP, only while
the decision is open), the dashboard's list of open clocks, and the handlers' My tasks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.incidents import services
from bastion.incidents.clock import clock_for, open_clocks
from bastion.incidents.models import Incident
from bastion.notify.mytasks import tasks_for
from tests.incidents.conftest import NOW, make_incident, received

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def incident(school, staff, dpo, siro):
    return make_incident(school, staff, discovered_at=NOW)


def remind(run_schedule) -> str:
    return run_schedule("--job", "incident-clock")


def test_the_deadline_is_72_hours_after_the_school_became_aware(incident, clock):
    assert incident.ico_deadline == NOW + 72 * HOUR
    assert clock_for(incident).text == "72 hours 0 minutes left"
    clock.move_to(NOW + 71 * HOUR + dt.timedelta(minutes=59))
    assert clock_for(incident).text == "1 minute left"
    clock.move_to(NOW + 73 * HOUR + dt.timedelta(minutes=1))
    assert clock_for(incident).overdue
    assert clock_for(incident).text == "overdue by 1 hour 1 minute"


def test_reminders_come_at_24_48_and_64_hours_once_each(
    incident, dpo, siro, smtp, run_schedule, clock
):
    expected = {23: 0, 24: 2, 25: 0, 47: 0, 48: 2, 50: 0, 64: 2, 70: 0, 80: 0}
    for hours, queued in expected.items():
        clock.move_to(NOW + hours * HOUR)
        assert remind(run_schedule) == f"incident-clock: queued {queued}", hours
        assert remind(run_schedule) == "incident-clock: queued 0", f"again at {hours}"

    mails = received(smtp)
    assert len(mails) == 6
    assert sorted(m["To"] for m in mails) == sorted([dpo.email, siro.email] * 3)
    # (A long subject is folded onto a second line on the wire.)
    subjects = [m["Subject"].strip() for m in mails if m["To"] == dpo.email]
    assert subjects == [
        "[Bastion] INC-2026-0001: 48 hours 0 minutes left to decide on telling the ICO",
        "[Bastion] INC-2026-0001: 24 hours 0 minutes left to decide on telling the ICO",
        "[Bastion] INC-2026-0001: 8 hours 0 minutes left to decide on telling the ICO",
    ]
    body = mails[-1].get_content()
    assert (
        "became aware of incident INC-2026-0001 (Lost or disclosed password) 64 hours ago" in body
    )
    assert "Deadline: Thursday 5 March 2026 at 10:00 (8 hours 0 minutes left)." in body
    assert f"/s/ashmole/incidents/{incident.pk}/" in body
    assert "sticky note" not in body


def test_no_reminder_comes_after_the_decision(school, incident, dpo, smtp, run_schedule, clock):
    clock.move_to(NOW + 30 * HOUR)
    services.incident_decide_ico(
        actor=dpo, school=school, incident=incident, notify=False, reason="Encrypted."
    )
    for hours in (48, 64):
        clock.move_to(NOW + hours * HOUR)
        assert remind(run_schedule) == "incident-clock: queued 0"
    assert smtp.messages == []


def test_a_decision_to_notify_keeps_the_reminders_until_the_notification_is_recorded(
    school, incident, dpo, smtp, run_schedule, clock
):
    services.incident_decide_ico(actor=dpo, school=school, incident=incident, notify=True)
    clock.move_to(NOW + 24 * HOUR)
    assert remind(run_schedule) == "incident-clock: queued 2"

    clock.move_to(NOW + 26 * HOUR)
    services.incident_record_notification(
        actor=dpo, school=school, incident=incident, reference="IC-1", notified_at=NOW + 25 * HOUR
    )
    clock.move_to(NOW + 48 * HOUR)
    assert remind(run_schedule) == "incident-clock: queued 0"


def test_a_report_made_late_gets_only_the_latest_reminder(school, staff, dpo, siro, run_schedule):
    make_incident(school, staff, discovered_at=NOW - 50 * HOUR)

    assert remind(run_schedule) == "incident-clock: queued 2"
    assert remind(run_schedule) == "incident-clock: queued 0"


def test_long_forgotten_incidents_are_not_mailed_about(school, staff, dpo, run_schedule):
    make_incident(school, staff, discovered_at=NOW - 30 * 24 * HOUR)

    assert remind(run_schedule) == "incident-clock: queued 0"


def test_the_clock_of_one_incident_does_not_remind_another_school(
    school, other_school, incident, outsider, smtp, run_schedule, clock
):
    clock.move_to(NOW + 24 * HOUR)
    remind(run_schedule)

    assert outsider.email not in {m["To"] for m in received(smtp)}


# ---- the dashboard's function -------------------------------------------------------------------


def test_open_clocks_lists_open_incidents_running_first_soonest_first(
    school, other_school, staff, dpo, outsider
):
    later = make_incident(school, staff, discovered_at=NOW - HOUR)
    sooner = make_incident(school, staff, discovered_at=NOW - 5 * HOUR)
    decided = make_incident(school, staff, discovered_at=NOW - 9 * HOUR)
    services.incident_decide_ico(
        actor=dpo, school=school, incident=decided, notify=False, reason="No risk."
    )
    make_incident(other_school, outsider)

    with CaptureQueriesContext(connection) as queries:
        clocks = open_clocks(school)

    assert len(queries) == 1
    assert [c.incident for c in clocks] == [sooner, later, decided]
    assert [c.running for c in clocks] == [True, True, False]
    assert clocks[0].deadline == NOW + 67 * HOUR
    assert clocks[0].text == "67 hours 0 minutes left"
    assert len(open_clocks([school, other_school])) == 4


def test_closed_incidents_have_no_clock(school, incident, dpo):
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.CLOSED, notify_ico=False)
    assert open_clocks(school) == []


# ---- My tasks ----------------------------------------------------------------------------------


def titles(user) -> list[str]:
    return [t.title for t in tasks_for(user)]


def test_handlers_are_asked_to_triage_then_to_decide(school, incident, dpo, siro, staff):
    triage = (
        "Triage INC-2026-0001 (Lost or disclosed password): ICO deadline 72 hours 0 minutes left"
    )
    assert triage in titles(dpo) and triage in titles(siro)
    assert not any("INC-" in t for t in titles(staff))

    services.incident_assess(
        actor=dpo, school=school, incident=incident, likelihood="low", severity="low", reasoning="x"
    )
    assert (
        "Decide whether to tell the ICO about INC-2026-0001: ICO deadline 72 hours 0 minutes left"
        in titles(dpo)
    )

    services.incident_decide_ico(
        actor=dpo, school=school, incident=incident, notify=False, reason="x"
    )
    assert not any("INC-" in t for t in titles(dpo))


def test_the_handlers_tasks_take_a_fixed_number_of_queries(school, staff, dpo):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            tasks_for(dpo)
        return len(queries)

    make_incident(school, staff)
    few = count()
    for _ in range(5):
        make_incident(school, staff)
    assert count() == few
