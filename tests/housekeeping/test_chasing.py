"""Chasing the staff who have not attested (weekly, over real SMTP, until the school year ends)
and the My tasks entry."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.core.models import Membership, School
from bastion.housekeeping import campaigns
from tests.conftest import add_member
from tests.housekeeping.conftest import NOW, add_staff, add_teacher, open_campaign
from tests.notify.conftest import received

pytestmark = pytest.mark.django_db


@pytest.fixture
def chase(django_capture_on_commit_callbacks):
    def run():
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("run_schedule", "--job", "housekeeping-chasers", stdout=out)
        return out.getvalue()

    return run


def _mail(smtp):
    return [m for m in received(smtp) if "housekeeping" in m["Subject"]]


def test_staff_who_have_not_attested_are_asked_once_a_week(
    school, siro, staff, sam, hana, smtp, time_machine, chase
):
    assert "queued 0" in chase()  # no campaign yet
    open_campaign(siro, school)
    assert "housekeeping-chasers: queued 2" in chase()
    mails = {m["To"]: m for m in _mail(smtp)}
    assert set(mails) == {staff.email, siro.email}
    mail = mails[staff.email]
    assert mail["Subject"].strip() == (
        "[Bastion] Your yearly housekeeping at Ashmole Primary: by 17 July 2026"
    )
    body = mail.get_content()
    assert "Hello Sam," in body and "Please do it by 17 July 2026" in body
    assert "http://127.0.0.1:8000/s/ashmole/housekeeping/" in body
    assert "queued 0" in chase()

    campaigns.attest(actor=siro, school=school)
    time_machine.move_to(NOW + dt.timedelta(days=6), tick=False)
    assert "queued 0" in chase()
    time_machine.move_to(NOW + dt.timedelta(days=7), tick=False)
    assert "queued 1" in chase()  # only Sam now
    assert [m["To"] for m in _mail(smtp)][-1] == staff.email


def test_after_the_deadline_the_reminder_says_it_is_overdue(
    school, siro, staff, sam, smtp, time_machine, chase
):
    open_campaign(siro, school, deadline=NOW.date() + dt.timedelta(days=3))
    chase()
    time_machine.move_to(NOW + dt.timedelta(days=7), tick=False)
    assert "queued 1" in chase()
    late = _mail(smtp)[-1]
    assert late["Subject"].strip().endswith("is overdue")
    assert "The deadline was 4 June 2026" in late.get_content()


def test_chasing_stops_when_the_school_year_ends(
    school, siro, staff, sam, smtp, time_machine, chase
):
    open_campaign(siro, school)
    time_machine.move_to(dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC), tick=False)
    assert "queued 0" in chase()


def test_the_schedule_chases_by_itself(school, siro, sam, smtp):
    open_campaign(siro, school)
    out = StringIO()
    call_command("run_schedule", stdout=out)
    assert "housekeeping-chasers: queued 1" in out.getvalue()


def test_one_query_finds_everyone_to_chase_across_schools(school, trust, siro, sam, smtp, chase):
    open_campaign(siro, school)
    for n in range(3):
        other = School.objects.create(trust=trust, name=f"S{n}", slug=f"s{n}", urn=f"6000{n}")
        add_member(siro, other, "siro")
        open_campaign(siro, other)
        add_teacher(other, n)
    assert "queued 4" in chase()
    assert sorted(m["To"] for m in _mail(smtp))[0] == "sam.staff@ashmole.example.org"


def _tasks(client) -> str:
    response = client.get("/tasks/")
    assert response.status_code == 200
    return response.content.decode()


def test_my_tasks_asks_staff_to_attest_until_they_do(
    school, siro, staff, office, sam, client_for, time_machine
):
    assert "yearly housekeeping" not in _tasks(client_for(staff))
    open_campaign(siro, school)
    page = _tasks(client_for(staff))
    assert "Do your yearly housekeeping at Ashmole Primary" in page
    assert "/s/ashmole/housekeeping/" in page and "Due 17 July 2026" in page
    assert "yearly housekeeping" not in _tasks(client_for(office))  # no staff record
    time_machine.move_to(dt.datetime(2026, 7, 20, 9, tzinfo=dt.UTC), tick=False)
    assert "Urgent" in _tasks(client_for(staff))
    campaigns.attest(actor=staff, school=school)
    assert "yearly housekeeping" not in _tasks(client_for(staff))


def test_the_task_provider_uses_one_query_for_any_number_of_schools(school, trust, siro, staff):
    open_campaign(siro, school)
    add_staff(school, staff, "Sam", "Staff")

    def count():
        memberships = list(
            Membership.objects.filter(user=staff, active=True).select_related("school")
        )
        with CaptureQueriesContext(connection) as queries:
            tasks = campaigns.housekeeping_due(staff, memberships)
        return len(queries), tasks

    one, tasks = count()
    assert len(tasks) == 1
    for n in range(3):
        other = School.objects.create(trust=trust, name=f"S{n}", slug=f"s{n}", urn=f"7000{n}")
        add_member(staff, other, "staff")
        add_member(siro, other, "siro")
        open_campaign(siro, other)
        add_staff(other, staff, "Sam", "Staff")
    many, tasks = count()
    assert one == many == 1 and len(tasks) == 4
