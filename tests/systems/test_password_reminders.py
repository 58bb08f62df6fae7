"""`run_schedule` e-mails each account holder (over real SMTP) from two weeks before their
password change is due, once per account per period."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.notify.conftest import received
from tests.systems.conftest import account, changed, person, system

pytestmark = pytest.mark.django_db

SUBJECT = "[Bastion] Change your password for SIMS (Ashmole Primary)"


def at(time_machine, day: dt.date):
    time_machine.move_to(dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC), tick=False)


def sims_mail(smtp):
    return [m for m in received(smtp) if m["Subject"] == SUBJECT]


def test_a_reminder_goes_before_the_change_lapses_and_once_per_period(
    school, staff, staff_person, smtp, time_machine, run_schedule
):
    sims = system(school, "SIMS", password_change_months=6)
    account(sims, staff_person)
    changed(sims, staff_person, dt.date(2026, 1, 15))
    at(time_machine, dt.date(2026, 6, 30))  # due 15 July: not yet within two weeks
    out, _ = run_schedule("--job", "password-reminders")
    assert "queued 0" in out
    at(time_machine, dt.date(2026, 7, 2))
    assert "queued 1" in run_schedule("--job", "password-reminders")[0]
    [mail] = sims_mail(smtp)
    assert mail["To"] == staff.email
    body = mail.get_content()
    assert "It is due for a change on 15 July 2026" in body
    assert f"/s/{school.slug}/systems/mine/" in body
    assert "never the password" in body
    # Again the same day, after it lapses: no second mail for the same period.
    assert "queued 0" in run_schedule("--job", "password-reminders")[0]
    at(time_machine, dt.date(2026, 8, 1))
    assert "queued 0" in run_schedule("--job", "password-reminders")[0]
    # A new change starts a new period: one reminder before it lapses.
    changed(sims, staff_person, dt.date(2026, 8, 1))
    at(time_machine, dt.date(2027, 1, 25))
    assert "queued 1" in run_schedule("--job", "password-reminders")[0]
    assert len(sims_mail(smtp)) == 2


def test_no_reminder_for_people_without_bastion_access_or_systems_without_a_period(
    school, staff, staff_person, smtp, time_machine, run_schedule
):
    account(system(school, "SIMS"), person(school, "No", "Login"))  # no user account
    account(system(school, "myDrive", password_change_months=None), staff_person)
    at(time_machine, dt.date(2026, 3, 1))
    assert "queued 0" in run_schedule("--job", "password-reminders")[0]


def test_an_account_with_no_change_recorded_gets_one_reminder(
    school, staff, staff_person, smtp, time_machine, run_schedule
):
    account(system(school, "SIMS"), staff_person)
    at(time_machine, dt.date(2026, 3, 1))
    assert "queued 1" in run_schedule("--job", "password-reminders")[0]
    assert "No change of it is recorded yet" in sims_mail(smtp)[0].get_content()
    at(time_machine, dt.date(2026, 4, 1))
    assert "queued 0" in run_schedule("--job", "password-reminders")[0]
