"""A school's password age: a reminder two weeks ahead, then school pages ask for a new one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bastion.notify.models import OutboxMessage
from tests.conftest import PASSWORD, add_member
from tests.notify.conftest import received

NEW_PASSWORD = "lantern-quarry-velvet-9137"


@pytest.fixture
def school_with_password_age(school):
    school.password_max_age_days = 180
    school.save()
    return school


def password_age(user, days: int) -> None:
    user.password_changed_at = timezone.now() - dt.timedelta(days=days)
    user.save(update_fields=["password_changed_at"])


def remind(run_schedule) -> str:
    out, _ = run_schedule("--job", "password-age-reminders")
    return out.strip()


def test_a_reminder_is_mailed_once_when_the_password_lapses_within_two_weeks(
    school_with_password_age, staff, smtp, run_schedule
):
    password_age(staff, 170)

    assert remind(run_schedule) == "password-age-reminders: queued 1"
    assert remind(run_schedule) == "password-age-reminders: queued 0"

    [mail] = received(smtp)
    assert mail["To"] == staff.email
    assert mail["Subject"] == "[Bastion] Your Bastion password is due for a change"
    body = mail.get_content()
    assert "Ashmole Primary asks staff to change their Bastion password every 180 days" in body
    assert "/accounts/password/change/" in body


def test_no_reminder_comes_until_two_weeks_before_the_password_lapses(
    school_with_password_age, staff, smtp, run_schedule, time_machine
):
    password_age(staff, 160)

    assert remind(run_schedule) == "password-age-reminders: queued 0"
    time_machine.move_to(timezone.now() + dt.timedelta(days=7))
    assert remind(run_schedule) == "password-age-reminders: queued 1"


def test_no_reminder_comes_when_the_school_sets_no_password_age(school, staff, run_schedule):
    password_age(staff, 400)

    assert remind(run_schedule) == "password-age-reminders: queued 0"
    assert not OutboxMessage.objects.exists()


def test_no_reminder_comes_once_the_password_has_already_lapsed(
    school_with_password_age, staff, run_schedule
):
    password_age(staff, 181)  # school pages send them to change it instead

    assert remind(run_schedule) == "password-age-reminders: queued 0"


def test_a_member_of_two_schools_gets_one_reminder_naming_the_stricter_school(
    school_with_password_age, other_school, staff, smtp, run_schedule
):
    other_school.password_max_age_days = 90
    other_school.save()
    add_member(staff, other_school, "staff")
    password_age(staff, 80)

    assert remind(run_schedule) == "password-age-reminders: queued 1"
    [mail] = received(smtp)
    assert "Brookfield Primary asks staff to change their Bastion password every 90 days" in (
        mail.get_content()
    )


def test_a_new_password_earns_a_new_reminder_before_it_lapses_in_turn(
    school_with_password_age, staff, smtp, run_schedule, time_machine
):
    password_age(staff, 170)
    remind(run_schedule)
    staff.set_password(NEW_PASSWORD)
    staff.save()

    time_machine.move_to(timezone.now() + dt.timedelta(days=170))
    assert remind(run_schedule) == "password-age-reminders: queued 1"
    assert len(smtp.messages) == 2


def test_an_account_without_a_usable_password_gets_no_reminder(
    school_with_password_age, staff, run_schedule
):
    staff.set_unusable_password()
    staff.save()
    password_age(staff, 170)

    assert remind(run_schedule) == "password-age-reminders: queued 0"


def test_a_lapsed_password_sends_school_pages_to_the_change_password_page(
    school_with_password_age, staff, client_for
):
    password_age(staff, 181)
    client = client_for(staff)

    response = client.get(f"/s/{school_with_password_age.slug}/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/"
    page = client.get(response["Location"]).content.decode()
    assert "Ashmole Primary asks staff to change their Bastion password every 180 days" in page


def test_after_changing_the_password_school_pages_open_again(
    school_with_password_age, staff, client_for
):
    password_age(staff, 181)
    client = client_for(staff)

    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    staff.refresh_from_db()
    assert timezone.now() - staff.password_changed_at < dt.timedelta(minutes=1)
    assert client.get(f"/s/{school_with_password_age.slug}/").status_code == 200


def test_a_school_without_a_password_age_never_asks_for_a_new_one(school, staff, client_for):
    password_age(staff, 5 * 365)

    assert client_for(staff).get(f"/s/{school.slug}/").status_code == 200
