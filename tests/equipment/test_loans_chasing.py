"""Overdue loans: chased through `run_schedule` over real SMTP (at most once a week per loan),
and shown on the IT lead's My tasks."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.core.models import Membership, School
from bastion.equipment import loans
from bastion.equipment.models import Device
from bastion.notify.models import OutboxMessage
from tests.conftest import add_member, make_user
from tests.equipment.test_loans import add_device, add_person, lend
from tests.notify.conftest import received

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
DUE = dt.date(2026, 2, 27)  # the Friday before


@pytest.fixture
def chase(django_capture_on_commit_callbacks):
    """Run the job as `run_schedule --job loan-chasers`; mail goes out after commit."""

    def run():
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("run_schedule", "--job", "loan-chasers", stdout=out)
        return out.getvalue()

    return run


@pytest.fixture
def monday(time_machine):
    time_machine.move_to(MONDAY, tick=False)


@pytest.fixture
def overdue(school, siro, it_lead, monday):
    teacher = add_person(siro, school)
    return lend(
        it_lead,
        add_device(school, make="Dell", model="Latitude", asset_tag="LT-07"),
        teacher,
        out_on=dt.date(2026, 2, 2),
        due_on=DUE,
    )


def _loan_mail(smtp):
    return [m for m in received(smtp) if "loan" in m["Subject"] or "borrowed" in m["Subject"]]


def test_an_overdue_loan_emails_the_borrower_and_the_it_lead_once(
    school, siro, it_lead, dpo, office, overdue, smtp, chase
):
    assert "loan-chasers: queued 2" in chase()

    mails = {m["To"]: m for m in _loan_mail(smtp)}
    assert set(mails) == {"i.farrow@ashmole.example.org", it_lead.email}
    to_borrower = mails["i.farrow@ashmole.example.org"]
    assert to_borrower["Subject"] == (
        "[Bastion] Please return the Dell Latitude (LT-07) you borrowed from Ashmole Primary"
    )
    body = to_borrower.get_content()
    assert "Hello Imogen," in body
    assert "on 2 February 2026 was due back on 27 February 2026" in body

    to_lead = mails[it_lead.email]
    assert to_lead["Subject"] == "[Bastion] Overdue loan at Ashmole Primary: Dell Latitude (LT-07)"
    body = to_lead.get_content()
    assert "3 days overdue" in body
    assert "http://127.0.0.1:8000/s/ashmole/loans/?show=overdue" in body
    assert "Farrow" not in body  # no borrower's name in e-mail

    assert "loan-chasers: queued 0" in chase()
    assert len(_loan_mail(smtp)) == 2


def test_a_loan_is_chased_at_most_once_a_week(school, overdue, smtp, time_machine, chase):
    assert "queued 2" in chase()
    time_machine.move_to(MONDAY + dt.timedelta(days=3, hours=15), tick=False)  # Thursday night
    assert "queued 0" in chase()
    time_machine.move_to(MONDAY + dt.timedelta(days=4), tick=False)  # a week after the due date
    assert "queued 2" in chase()
    time_machine.move_to(MONDAY + dt.timedelta(days=10), tick=False)
    assert "queued 0" in chase()
    time_machine.move_to(MONDAY + dt.timedelta(days=11), tick=False)
    assert "queued 2" in chase()
    assert len(_loan_mail(smtp)) == 6
    assert OutboxMessage.objects.filter(dedupe_key__startswith="loan-overdue:").count() == 6


def test_a_borrower_without_an_email_address_is_not_written_to(
    school, siro, it_lead, smtp, monday, chase
):
    pupil = add_person(siro, school, "pupil")
    lend(it_lead, add_device(school, "tablet"), pupil, out_on=dt.date(2026, 2, 2), due_on=DUE)
    assert "queued 1" in chase()
    assert [m["To"] for m in _loan_mail(smtp)] == [it_lead.email]


def test_without_an_it_lead_the_siro_is_told(school, siro, it_lead, overdue, smtp, chase):
    Membership.objects.filter(user=it_lead).update(is_it_lead=False)
    chase()
    assert sorted(m["To"] for m in _loan_mail(smtp)) == sorted(
        ["i.farrow@ashmole.example.org", siro.email]
    )


def test_loans_not_yet_overdue_returned_or_held_for_good_are_not_chased(
    school, siro, it_lead, smtp, monday, chase
):
    teacher = add_person(siro, school)
    lend(it_lead, add_device(school), teacher, due_on=dt.date(2026, 3, 2))  # due today
    back = lend(it_lead, add_device(school), teacher, out_on=dt.date(2026, 2, 2), due_on=DUE)
    loans.loan_return(actor=it_lead, school=school, loan=back, returned_on=dt.date(2026, 3, 1))
    token = add_device(school, "otp_token", holds_personal_data=False)
    lend(it_lead, token, teacher, out_on=dt.date(2025, 1, 6), due_on=None)
    assert "queued 0" in chase()
    assert _loan_mail(smtp) == []


def test_each_school_chases_its_own(school, other_school, it_lead, outsider, overdue, smtp, chase):
    theirs = add_person(outsider, other_school, email="")
    lend(outsider, add_device(other_school), theirs, out_on=dt.date(2026, 2, 2), due_on=DUE)
    assert "queued 3" in chase()
    brookfield = [m for m in _loan_mail(smtp) if "Brookfield" in m["Subject"]]
    assert [m["To"] for m in brookfield] == [outsider.email]  # their SIRO: no IT lead there


def test_the_schedule_chases_by_itself(school, overdue, smtp):
    out = StringIO()
    call_command("run_schedule", stdout=out)
    assert "loan-chasers: queued 2" in out.getvalue()


# My tasks ---------------------------------------------------------------------------------------


def _tasks(client) -> str:
    response = client.get("/tasks/")
    assert response.status_code == 200
    return response.content.decode()


def test_my_tasks_asks_the_it_lead_to_chase_overdue_loans(
    school, siro, dpo, office, staff, it_lead, overdue, client_for
):
    page = _tasks(client_for(it_lead))
    assert "Chase 1 overdue loan at Ashmole Primary" in page
    assert "/s/ashmole/loans/?show=overdue" in page
    assert "Due 27 February 2026" in page
    for other in (siro, dpo, office, staff):
        assert "overdue loan" not in _tasks(client_for(other))

    loans.loan_return(actor=it_lead, school=school, loan=overdue, returned_on=MONDAY.date())
    assert "overdue loan" not in _tasks(client_for(it_lead))


def test_my_tasks_shows_the_siro_overdue_loans_when_the_school_has_no_it_lead(
    school, siro, it_lead, overdue, client_for
):
    Membership.objects.filter(user=it_lead).update(is_it_lead=False)
    assert "Chase 1 overdue loan at Ashmole Primary" in _tasks(client_for(siro))


def _provider_queries(user) -> tuple[int, list]:
    """The overdue-loans provider alone (other apps' providers have their own tests)."""
    memberships = list(Membership.objects.filter(user=user, active=True).select_related("school"))
    with CaptureQueriesContext(connection) as queries:
        tasks = loans.overdue_loans(user, memberships)
    return len(queries), tasks


def test_my_tasks_uses_the_same_queries_for_one_school_or_many(
    school, trust, siro, it_lead, overdue, client_for
):
    one, tasks = _provider_queries(it_lead)
    assert len(tasks) == 1
    for n in range(4):
        other = School.objects.create(trust=trust, name=f"School {n}", slug=f"s{n}", urn=f"2000{n}")
        # In two schools the IT lead is also the SIRO; in two they are the SIRO without the
        # IT lead role, and one of those has another IT lead.
        roles = [("it_lead", "siro"), ("it_lead", "staff"), ("siro",), ("siro",)][n]
        add_member(it_lead, other, *roles)
        lend(
            it_lead,
            add_device(other),
            add_person(siro, other),
            out_on=dt.date(2026, 2, 2),
            due_on=DUE,
        )
        if n == 3:
            add_member(make_user("ivo.it@s3.example.org"), other, "it_lead")
    many, tasks = _provider_queries(it_lead)
    assert [t.school.name for t in tasks] == ["Ashmole Primary", "School 0", "School 1", "School 2"]
    assert one == many == 1
    assert "Chase 1 overdue loan at School 2" in _tasks(client_for(it_lead))


def test_a_device_reported_stolen_on_loan_is_not_chased_for_return(
    school, it_lead, overdue, smtp, client_for, chase
):
    Device.objects.filter(pk=overdue.device_id).update(status=Device.Status.STOLEN)
    assert "queued 0" in chase()
    assert "overdue loan" not in _tasks(client_for(it_lead))
    page = client_for(it_lead).get(f"/s/{school.slug}/loans/").content.decode()
    assert "Reported stolen" in page and ">Overdue</strong>" not in page
