"""Chasing: reminders to the unsigned with an address, at most once per interval, recorded;
a button and a scheduled job."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bastion.agreements import chasing, services
from bastion.agreements.models import Reminder, SigningLink
from bastion.core.models import AuditEvent
from bastion.notify.schedule import run_due
from bastion.people.models import Kind
from tests.agreements.helpers import add, build

pytestmark = pytest.mark.django_db


def test_chase_now_reminds_the_unsigned_over_smtp(
    school, office, staff, client_for, smtp, django_capture_on_commit_callbacks
):
    data = build(school)
    member = add(school, Kind.STAFF, "Sam", "Staff", user=staff, email="")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(office).post("/s/ashmole/agreements/chase/", {})
    assert response.status_code == 302
    to = sorted(r for m in smtp.messages for r in m.rcpt_tos)
    expected = sorted(
        [staff.email, data["staff"][3].email]
        + [v.email for v in data["volunteers"]]
        + [p.email for p in data["parents"][2:]]
    )
    assert to == expected  # pupils and the signed are never e-mailed; governors had no address
    assert Reminder.objects.count() == len(expected)
    assert Reminder.objects.get(person=member).to == staff.email
    # People without an account got a fresh link; members are sent to the signing page.
    assert SigningLink.objects.filter(person=data["parents"][2]).exists()
    assert not SigningLink.objects.filter(person=member).exists()
    member_mail = next(m for m in smtp.messages if staff.email in m.rcpt_tos)
    assert "/s/ashmole/agreements/sign/" in member_mail.data
    assert AuditEvent.objects.filter(action="agreement.chased", actor=office).exists()


def test_nobody_is_reminded_twice_within_the_interval(school, time_machine):
    build(school)
    first = chasing.chase(school=school)
    assert first > 0
    assert chasing.chase(school=school) == 0
    time_machine.move_to(timezone.now() + dt.timedelta(days=15))
    assert chasing.chase(school=school) == first


def test_chasing_one_group_reminds_only_that_group(school):
    data = build(school)
    assert chasing.chase(school=school, audience="volunteer") == 2
    assert {r.person for r in Reminder.objects.all()} == set(data["volunteers"])


def test_the_scheduled_chaser_runs_for_schools_that_ask(school, other_school):
    build(school)
    build(other_school)
    row = services.settings_for(other_school)
    row.chase_automatically = True
    row.save()
    result = run_due(only="agreement-chasers")
    assert result["agreement-chasers"].startswith("reminded ")
    assert Reminder.objects.filter(school=other_school).exists()
    assert not Reminder.objects.filter(school=school).exists()
    assert run_due(only="agreement-chasers")["agreement-chasers"] == "reminded 0"


def test_only_managers_can_chase(school, dpo, client_for):
    build(school)
    assert client_for(dpo).post("/s/ashmole/agreements/chase/").status_code == 403
    assert not Reminder.objects.exists()


def test_opening_chase_now_sends_nothing_until_confirmed(school, office, client_for):
    build(school)
    response = client_for(office).get("/s/ashmole/agreements/chase/?audience=parent")
    assert response.status_code == 200
    assert "Parents and carers" in response.content.decode()
    assert not Reminder.objects.exists()
