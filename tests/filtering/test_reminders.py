"""Reminders before the yearly review and the regular check fall due (over real SMTP), and the
named senior leader's My tasks."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.core.models import Membership, School
from bastion.filtering import register
from tests.conftest import add_member
from tests.filtering.conftest import NOW, add_person, check
from tests.notify.conftest import received

pytestmark = pytest.mark.django_db


@pytest.fixture
def remind(django_capture_on_commit_callbacks):
    def run():
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("run_schedule", "--job", "filtering-reminders", stdout=out)
        return out.getvalue()

    return run


def _mail(smtp):
    return [m for m in received(smtp) if "filtering" in m["Subject"]]


def test_the_named_leader_is_reminded_before_the_review_and_weekly_once_due(
    school, siro, staff, it_lead, smtp, time_machine, remind
):
    leader = add_person(school, staff, "Sam", "Staff")
    register.setup_save(actor=siro, school=school, data={"senior_leader": leader})
    check(it_lead, school, days_ago=300, kind="review")
    check(it_lead, school, days_ago=10)
    assert "queued 0" in remind()  # review due in 65 days, check in 110
    time_machine.move_to(NOW + dt.timedelta(days=36), tick=False)  # 29 days before the review
    assert "filtering-reminders: queued 1" in remind()
    mail = _mail(smtp)[0]
    assert mail["To"] == staff.email
    assert mail["Subject"].strip() == (
        "[Bastion] Web filtering and monitoring yearly review due by 6 May 2026 at Ashmole Primary"
    )
    assert "http://127.0.0.1:8000/s/ashmole/filtering/" in mail.get_content()
    assert "queued 0" in remind()
    time_machine.move_to(NOW + dt.timedelta(days=65), tick=False)  # due today
    assert "queued 1" in remind()
    assert "is due (since 6 May 2026)" in _mail(smtp)[-1].get_content()
    time_machine.move_to(NOW + dt.timedelta(days=71), tick=False)
    assert "queued 0" in remind()
    time_machine.move_to(NOW + dt.timedelta(days=72), tick=False)
    assert "queued 1" in remind()
    check(it_lead, school, kind="review")
    time_machine.move_to(NOW + dt.timedelta(days=80), tick=False)
    assert "queued 0" in remind()


def test_the_regular_check_is_reminded_and_the_siro_hears_when_no_leader_is_named(
    school, siro, it_lead, smtp, time_machine, remind
):
    register.setup_save(actor=siro, school=school, data={"check_every_days": 120})
    check(it_lead, school, days_ago=100, kind="review")  # a review counts as a check too
    assert "queued 0" in remind()  # the check is due in 20 days
    time_machine.move_to(NOW + dt.timedelta(days=6), tick=False)
    assert "queued 1" in remind()  # now in 14
    mail = _mail(smtp)[0]
    assert mail["To"] == siro.email
    assert "monitoring check due by 22 March 2026" in mail["Subject"]


def test_schools_that_have_not_started_the_register_are_left_to_the_dashboard(
    school, siro, smtp, remind
):
    assert "queued 0" in remind()


def _tasks(client) -> str:
    response = client.get("/tasks/")
    assert response.status_code == 200
    return response.content.decode()


def test_my_tasks_asks_the_named_leader_for_the_review(school, siro, it_lead, hana, client_for):
    register.setup_save(actor=siro, school=school, data={"senior_leader": hana})
    page = _tasks(client_for(siro))
    assert "Review web filtering and monitoring (yearly) at Ashmole Primary" in page
    assert "/s/ashmole/filtering/checks/add/?kind=review" in page
    assert "web filtering" not in _tasks(client_for(it_lead))
    check(it_lead, school, kind="review")
    assert "web filtering" not in _tasks(client_for(siro))


def test_the_task_provider_uses_one_query_for_many_schools(school, trust, siro, hana):
    register.setup_save(actor=siro, school=school, data={"senior_leader": hana})

    def count():
        memberships = list(
            Membership.objects.filter(user=siro, active=True).select_related("school")
        )
        with CaptureQueriesContext(connection) as queries:
            tasks = register.filtering_due(siro, memberships)
        return len(queries), tasks

    one, tasks = count()
    assert len(tasks) == 1
    for n in range(3):
        other = School.objects.create(trust=trust, name=f"S{n}", slug=f"s{n}", urn=f"9000{n}")
        add_member(siro, other, "siro", "staff")
        leader = add_person(other, siro, "Hana", "Siro")
        register.setup_save(actor=siro, school=other, data={"senior_leader": leader})
        check(siro, other, days_ago=100 * n, kind="review")
    many, tasks = count()
    assert one == many == 1
    assert len(tasks) == 2  # reviewed 0 and 100 days ago: nothing due there yet
