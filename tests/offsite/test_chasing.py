"""Data not back in time: chased over real SMTP (once every three days per removal), shown on
the person's My tasks; requests shown to the officers."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.core.models import Membership, School
from bastion.offsite import removals
from tests.conftest import add_member
from tests.notify.conftest import received
from tests.offsite.conftest import TODAY, add_staff, record

pytestmark = pytest.mark.django_db
DUE = TODAY - dt.timedelta(days=1)  # Sunday: one day overdue on the Monday


@pytest.fixture
def chase(django_capture_on_commit_callbacks):
    def run():
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("run_schedule", "--job", "offsite-chasers", stdout=out)
        return out.getvalue()

    return run


@pytest.fixture
def overdue(school, dpo, sam):
    return record(dpo, school, sam, taken_on=TODAY - dt.timedelta(days=8), due_on=DUE)


def _mail(smtp):
    return [m for m in received(smtp) if "off site" in m["Subject"]]


def test_overdue_data_emails_the_person_and_the_approver_once(
    school, staff, dpo, overdue, smtp, chase
):
    assert "offsite-chasers: queued 2" in chase()
    mails = {m["To"]: m for m in _mail(smtp)}
    assert set(mails) == {staff.email, dpo.email}
    to_person = mails[staff.email]
    assert to_person["Subject"].strip() == (
        "[Bastion] Please bring back the data you took off site from Ashmole Primary"
    )
    body = to_person.get_content()
    assert "Hello Sam," in body and "was due back on 1 March 2026 (1 day overdue)" in body
    assert "/s/ashmole/offsite/" in body
    body = mails[dpo.email].get_content()
    assert "Data you approved to leave school on 22 February 2026" in body
    assert "Year 6" not in body and "Staff" not in body  # no data or names in e-mail

    assert "queued 0" in chase()
    assert len(_mail(smtp)) == 2


def test_chasing_repeats_every_three_days(school, overdue, smtp, time_machine, chase):
    assert "queued 2" in chase()
    for days, expected in ((1, 0), (2, 0), (3, 2), (5, 0), (6, 2)):
        time_machine.move_to(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC) + dt.timedelta(days=days))
        assert f"queued {expected}" in chase(), days
    assert len(_mail(smtp)) == 6


def test_data_not_yet_due_returned_or_awaiting_approval_is_not_chased(
    school, staff, dpo, sam, smtp, chase
):
    record(dpo, school, sam, due_on=TODAY)  # due today: not late yet
    back = record(dpo, school, sam, taken_on=TODAY - dt.timedelta(days=5), due_on=DUE)
    removals.removal_close(
        actor=staff, school=school, removal=back, outcome="returned", closed_on=TODAY
    )
    record(staff, school, sam, taken_on=TODAY - dt.timedelta(days=5), due_on=DUE)  # requested
    assert "queued 0" in chase()
    assert _mail(smtp) == []


def test_the_schedule_chases_by_itself(school, overdue, smtp):
    out = StringIO()
    call_command("run_schedule", stdout=out)
    assert "offsite-chasers: queued 2" in out.getvalue()


def _tasks(client) -> str:
    response = client.get("/tasks/")
    assert response.status_code == 200
    return response.content.decode().replace("&#x27;", "'")


def test_my_tasks_asks_the_person_to_bring_the_data_back(
    school, staff, dpo, sam, overdue, client_for
):
    page = _tasks(client_for(staff))
    assert (
        "Bring back or destroy the data you took off site: Year 6 assessment spreadsheet (overdue)"
        in page
    )
    assert "Due 1 March 2026" in page
    assert "Bring back" not in _tasks(client_for(dpo))
    removals.removal_close(
        actor=staff, school=school, removal=overdue, outcome="destroyed", closed_on=TODAY
    )
    assert "Bring back" not in _tasks(client_for(staff))


def test_my_tasks_shows_data_due_back_within_three_days(school, staff, dpo, sam, client_for):
    record(dpo, school, sam, what="Soon", due_on=TODAY + dt.timedelta(days=3))
    record(dpo, school, sam, what="Later", due_on=TODAY + dt.timedelta(days=4))
    page = _tasks(client_for(staff))
    assert "took off site: Soon" in page and "took off site: Later" not in page


def test_my_tasks_asks_the_other_officer_to_decide(school, siro, dpo, staff, hana, sam, client_for):
    record(staff, school, sam)
    record(siro, school, hana)
    assert "Approve or decline 2 requests to take data off site at Ashmole Primary" in _tasks(
        client_for(dpo)
    )
    # The SIRO is not asked to decide on their own.
    assert "Approve or decline 1 request to take data off site" in _tasks(client_for(siro))
    assert "Approve or decline" not in _tasks(client_for(staff))


def test_the_providers_use_the_same_queries_for_one_school_or_many(school, trust, dpo, staff):
    def count(func, user):
        memberships = list(
            Membership.objects.filter(user=user, active=True).select_related("school")
        )
        with CaptureQueriesContext(connection) as queries:
            tasks = func(user, memberships)
        return len(queries), tasks

    person = add_staff(school, staff, "Sam", "Staff")
    record(dpo, school, person, taken_on=TODAY - dt.timedelta(days=3), due_on=DUE)
    record(staff, school, person)
    one = (count(removals.offsite_tasks, staff)[0], count(removals.offsite_tasks, dpo)[0])
    for n in range(3):
        other = School.objects.create(trust=trust, name=f"School {n}", slug=f"s{n}", urn=f"3000{n}")
        add_member(staff, other, "staff")
        add_member(dpo, other, "dpo")
        theirs = add_staff(other, staff, "Sam", "Staff")
        record(dpo, other, theirs, taken_on=TODAY - dt.timedelta(days=3), due_on=DUE)
        record(staff, other, theirs)
    n_returns, returns = count(removals.offsite_tasks, staff)
    n_requests, requests = count(removals.offsite_tasks, dpo)
    assert (n_returns, n_requests) == one == (1, 1)
    assert len(returns) == 4 and len(requests) == 4


def test_a_request_tells_the_siro_and_the_dpo_but_not_the_one_asking(
    school, siro, dpo, staff, hana, sam, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record(staff, school, sam)
    mails = [m for m in received(smtp) if "request to take data" in m["Subject"]]
    assert sorted(m["To"] for m in mails) == sorted([siro.email, dpo.email])
    body = mails[0].get_content()
    assert "from 2 March 2026 to 9 March 2026" in body and "/s/ashmole/offsite/" in body
    assert "Year 6" not in body
    with django_capture_on_commit_callbacks(execute=True):
        record(siro, school, hana)  # the SIRO's own: only the DPO hears
    mails = [m for m in received(smtp) if "request to take data" in m["Subject"]]
    assert [m["To"] for m in mails[2:]] == [dpo.email]
