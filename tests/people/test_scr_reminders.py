"""SCR reminders through `run_schedule` (once a week per keeper per school, over real SMTP) and
the SCR task in My tasks."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.core.models import School
from bastion.notify.models import OutboxMessage
from bastion.people.models import SCREntry
from tests.conftest import add_member
from tests.notify.conftest import received
from tests.people.test_scr_rules import add_person, complete, record, set_recheck

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
SUBJECT = "[Bastion] Single Central Record: action needed at Ashmole Primary"


@pytest.fixture
def run_scr_reminders(django_capture_on_commit_callbacks):
    """Run the SCR job now, as `run_schedule --job scr-reminders`; mail goes out after commit."""

    def run():
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("run_schedule", "--job", "scr-reminders", stdout=out)
        return out.getvalue()

    return run


@pytest.fixture
def monday(time_machine):
    time_machine.move_to(MONDAY, tick=False)


@pytest.fixture
def keepers(office, siro, dpo, staff, governor, it_lead):
    """Everyone of school A; only the office and the SIRO keep the record."""
    return [office.email, siro.email]


def _scr_mail(smtp):
    return [m for m in received(smtp) if m["Subject"] == SUBJECT]


def test_a_school_with_gaps_sends_one_email_to_each_keeper(
    school, office, keepers, smtp, monday, run_scr_reminders
):
    add_person(office, school, first_name="Nia", last_name="Novak", started_on=dt.date(2026, 2, 2))
    add_person(office, school, first_name="Sol", started_on=None)  # no date: counts as started
    add_person(office, school, first_name="Fay", started_on=dt.date(2026, 4, 20))  # not yet

    assert "scr-reminders: queued 2" in run_scr_reminders()

    mails = _scr_mail(smtp)
    assert sorted(m["To"] for m in mails) == sorted(keepers)
    body = mails[0].get_content()
    assert "- 2 people have started work with checks missing" in body
    assert "- 0 DBS re-checks are due" in body
    assert "http://127.0.0.1:8000/s/ashmole/scr/" in body
    assert "Novak" not in body and "Nia" not in body  # counts only: no names in e-mail


def test_a_complete_record_sends_nothing(school, office, keepers, smtp, monday, run_scr_reminders):
    complete(add_person(office, school), office)
    add_person(office, school, kind="volunteer", first_name="Vic")  # not in regulated activity
    add_person(office, school, first_name="Lee", left_on=dt.date(2026, 1, 1))  # a leaver

    assert "scr-reminders: queued 0" in run_scr_reminders()
    assert _scr_mail(smtp) == []


def test_a_re_check_due_is_reason_enough(school, office, keepers, smtp, monday, run_scr_reminders):
    set_recheck(school, 3)
    complete(add_person(office, school), office, on=dt.date(2020, 1, 6))

    assert "scr-reminders: queued 2" in run_scr_reminders()
    assert "- 1 DBS re-check is due" in _scr_mail(smtp)[0].get_content()


def test_nobody_is_told_twice_in_the_same_week_but_again_the_next(
    school, office, keepers, smtp, time_machine, run_scr_reminders
):
    time_machine.move_to(MONDAY, tick=False)
    add_person(office, school)
    run_scr_reminders()
    time_machine.move_to(MONDAY + dt.timedelta(days=6, hours=12), tick=False)  # Sunday night

    assert "scr-reminders: queued 0" in run_scr_reminders()
    assert len(_scr_mail(smtp)) == 2

    time_machine.move_to(MONDAY + dt.timedelta(days=7), tick=False)
    assert "scr-reminders: queued 2" in run_scr_reminders()
    assert len(_scr_mail(smtp)) == 4


def test_each_school_tells_its_own_keepers(
    school, other_school, office, outsider, keepers, smtp, monday, run_scr_reminders
):
    add_person(outsider, other_school)

    assert "scr-reminders: queued 1" in run_scr_reminders()
    [mail] = received(smtp)
    assert mail["To"] == outsider.email
    assert "Brookfield Primary" in mail["Subject"]


def test_the_schedule_runs_the_reminder_by_itself(school, office, keepers, smtp, monday):
    add_person(office, school)
    out = StringIO()
    call_command("run_schedule", stdout=out)
    assert "scr-reminders: queued 2" in out.getvalue()
    assert OutboxMessage.objects.filter(subject=SUBJECT).count() == 2


# My tasks ---------------------------------------------------------------------------------------


def _task_titles(client) -> str:
    response = client.get("/tasks/")
    assert response.status_code == 200
    return response.content.decode()


def test_my_tasks_asks_the_office_to_complete_the_record(
    school, office, staff, dpo, client_for, monday
):
    person = add_person(office, school)
    complete(add_person(office, school, first_name="Done"), office)

    page = _task_titles(client_for(office))
    assert "Complete the Single Central Record of Ashmole Primary: 1 entry needs action" in page
    assert "/s/ashmole/scr/" in page
    assert "Single Central Record" not in _task_titles(client_for(staff))
    assert "Single Central Record" not in _task_titles(client_for(dpo))  # may look, not change

    complete(person, office)
    assert "Single Central Record" not in _task_titles(client_for(office))


def test_my_tasks_counts_re_checks_due_by_each_schools_own_period(
    school, trust, office, client_for, monday
):
    second = School.objects.create(trust=trust, name="Beacon Primary", slug="beacon", urn="100002")
    add_member(office, second, "office")
    set_recheck(school, 3)  # Beacon sets no period
    complete(add_person(office, school), office, on=dt.date(2020, 1, 6))
    complete(add_person(office, second), office, on=dt.date(2020, 1, 6))

    page = _task_titles(client_for(office))
    assert "Single Central Record of Ashmole Primary: 1 entry needs action" in page
    assert "Single Central Record of Beacon Primary" not in page


def test_my_tasks_uses_the_same_queries_for_one_school_or_many(office, school, trust, client_for):
    client = client_for(office)
    add_person(office, school)
    _task_titles(client)

    def count():
        with CaptureQueriesContext(connection) as queries:
            _task_titles(client)
        return len(queries)

    one = count()
    for n in range(4):
        other = School.objects.create(trust=trust, name=f"School {n}", slug=f"s{n}", urn=f"2000{n}")
        add_member(office, other, "office")
        add_person(office, other)
        record(add_person(office, other, first_name="X"), "identity", office)
    assert count() == one
    assert SCREntry.objects.filter(complete=False).count() == 9
