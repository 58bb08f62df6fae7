"""Restore tests overdue: `run_schedule` tells the IT lead and the SIRO once a week per school
over real SMTP, and My tasks shows it."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.core.models import Membership, School
from bastion.equipment import backups
from bastion.equipment.models import EquipmentSettings
from tests.conftest import add_member
from tests.equipment.test_backups_rules import add_location, add_set, restore
from tests.notify.conftest import received

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
SUBJECT = "[Bastion] Backups: restore tests due at Ashmole Primary"


@pytest.fixture
def chase(django_capture_on_commit_callbacks):
    """Run the job as `run_schedule --job restore-test-chasers`; mail goes after commit."""

    def run():
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("run_schedule", "--job", "restore-test-chasers", stdout=out)
        return out.getvalue()

    return run


@pytest.fixture
def monday(time_machine):
    time_machine.move_to(MONDAY, tick=False)


@pytest.fixture
def everyone(siro, dpo, it_lead, office, staff, governor):
    return {"siro": siro, "it_lead": it_lead}


def _mail(smtp):
    return [m for m in received(smtp) if "restore test" in m["Subject"]]


def test_overdue_sets_email_the_it_lead_and_the_siro_once_a_week(
    school, everyone, it_lead, smtp, time_machine, chase
):
    time_machine.move_to(MONDAY, tick=False)
    tape = add_set(school, "Weekly tape", "tape", location=add_location(school))
    restore(tape, it_lead, on=dt.date(2025, 10, 6))
    add_set(school, "Grid cloud", "cloud")
    fine = add_set(school, "Nightly disk", "disk", location=add_location(school, "Safe 2"))
    restore(fine, it_lead, on=dt.date(2026, 2, 2))

    assert "restore-test-chasers: queued 2" in chase()
    mails = _mail(smtp)
    assert sorted(m["To"] for m in mails) == sorted(u.email for u in everyone.values())
    assert {m["Subject"] for m in mails} == {SUBJECT}
    body = mails[0].get_content()
    assert "2 backup sets need a successful restore test at Ashmole Primary:" in body
    assert "- Grid cloud: never restored in a test" in body
    assert "- Weekly tape: last restored successfully on 6 October 2025" in body
    assert "Nightly disk" not in body
    assert "http://127.0.0.1:8000/s/ashmole/backups/" in body

    time_machine.move_to(MONDAY + dt.timedelta(days=6, hours=12), tick=False)  # Sunday night
    assert "queued 0" in chase()
    time_machine.move_to(MONDAY + dt.timedelta(days=7), tick=False)
    assert "queued 2" in chase()
    assert len(_mail(smtp)) == 4


def test_nothing_is_sent_once_every_set_is_tested_or_retired(
    school, everyone, it_lead, smtp, monday, chase
):
    cloud = add_set(school, "Grid cloud", "cloud")
    restore(cloud, it_lead, on=dt.date(2026, 2, 2))
    add_set(school, "Old tape", "tape", active=False)
    assert "queued 0" in chase()
    assert _mail(smtp) == []


def test_the_schools_period_decides(school, everyone, it_lead, smtp, monday, chase):
    cloud = add_set(school, "Grid cloud", "cloud")
    restore(cloud, it_lead, on=dt.date(2026, 1, 5))
    assert "queued 0" in chase()
    EquipmentSettings.objects.create(school=school, restore_test_days=30)
    assert "queued 2" in chase()


def test_each_school_tells_its_own(school, other_school, everyone, outsider, smtp, monday, chase):
    add_set(other_school, "Their cloud", "cloud")
    assert "queued 1" in chase()
    [mail] = _mail(smtp)
    assert mail["To"] == outsider.email
    assert "Brookfield Primary" in mail["Subject"]
    assert "1 backup set needs a successful restore test" in mail.get_content()


def test_the_schedule_chases_by_itself(school, everyone, smtp, monday):
    add_set(school, "Grid cloud", "cloud")
    out = StringIO()
    call_command("run_schedule", stdout=out)
    assert "restore-test-chasers: queued 2" in out.getvalue()


# My tasks ---------------------------------------------------------------------------------------


def _tasks(client) -> str:
    response = client.get("/tasks/")
    assert response.status_code == 200
    return response.content.decode()


def test_my_tasks_asks_the_it_lead_and_the_siro_to_test_restores(
    school, siro, it_lead, dpo, office, staff, client_for, monday
):
    cloud = add_set(school, "Grid cloud", "cloud")
    for user in (it_lead, siro):
        page = _tasks(client_for(user))
        assert "Test-restore 1 backup set at Ashmole Primary" in page
        assert "/s/ashmole/backups/" in page
    for user in (dpo, office, staff):
        assert "Test-restore" not in _tasks(client_for(user))

    restore(cloud, it_lead, on=dt.date(2026, 3, 1))
    assert "Test-restore" not in _tasks(client_for(it_lead))


def _provider_queries(user) -> tuple[int, list]:
    memberships = list(Membership.objects.filter(user=user, active=True).select_related("school"))
    with CaptureQueriesContext(connection) as queries:
        tasks = backups.restore_tests_due(user, memberships)
    return len(queries), tasks


def test_my_tasks_uses_the_same_queries_for_one_school_or_many(school, trust, it_lead, monday):
    add_set(school, "Grid cloud", "cloud")
    one, tasks = _provider_queries(it_lead)
    assert [t.title for t in tasks] == ["Test-restore 1 backup set at Ashmole Primary"]
    for n in range(4):
        other = School.objects.create(trust=trust, name=f"School {n}", slug=f"s{n}", urn=f"2000{n}")
        add_member(it_lead, other, "siro" if n % 2 else "it_lead")
        EquipmentSettings.objects.create(school=other, restore_test_days=30 + n)
        tested = add_set(other, "Tested", "cloud")
        restore(tested, it_lead, on=dt.date(2026, 2, 20))
        add_set(other, "Untested", "disk")
        add_set(other, "Untested 2", "tape")
    many, tasks = _provider_queries(it_lead)
    assert len(tasks) == 5
    assert tasks[-1].title == "Test-restore 2 backup sets at School 3"
    assert one == many == 1
