"""The "My tasks" page: each person's own to-do list, gathered from every register."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bastion.core.models import School
from tests.conftest import add_member, enrol_totp, make_user

PASSWORD_TASK = "Change your Bastion password"
DPO_TASK = "Name a Data Protection Officer for"


def tasks_page(client) -> str:
    response = client.get("/tasks/")
    assert response.status_code == 200
    return response.content.decode()


def password_age(user, days: int) -> None:
    user.password_changed_at = timezone.now() - dt.timedelta(days=days)
    user.save(update_fields=["password_changed_at"])


def test_a_password_lapsing_within_two_weeks_is_a_task_with_its_due_date(school, staff, client_for):
    school.password_max_age_days = 180
    school.save()
    password_age(staff, 170)
    due = timezone.localdate(staff.password_changed_at + dt.timedelta(days=180))

    page = tasks_page(client_for(staff))

    assert PASSWORD_TASK in page
    assert "(overdue)" not in page
    assert f"Due {due:%-d %B %Y}" in page
    assert 'href="/accounts/password/change/"' in page


def test_a_lapsed_password_is_an_overdue_task(school, staff, client_for):
    school.password_max_age_days = 180
    school.save()
    password_age(staff, 200)

    assert f"{PASSWORD_TASK} (overdue)" in tasks_page(client_for(staff))


def test_a_password_far_from_lapsing_is_not_a_task(school, staff, client_for):
    school.password_max_age_days = 180
    school.save()
    password_age(staff, 100)

    assert PASSWORD_TASK not in tasks_page(client_for(staff))


def test_a_trust_admin_is_held_to_the_password_age_of_the_trusts_schools(
    school, trust_admin, client_for
):
    school.password_max_age_days = 90
    school.save()
    password_age(trust_admin, 85)

    assert PASSWORD_TASK in tasks_page(client_for(trust_admin))


def test_a_siro_whose_school_has_no_dpo_is_asked_to_name_one(school, siro, client_for):
    page = tasks_page(client_for(siro))

    assert f"{DPO_TASK} {school.name}" in page
    assert f'href="/s/{school.slug}/members/"' in page


def test_a_siro_whose_school_has_a_dpo_is_not_asked(school, siro, dpo, client_for):
    assert DPO_TASK not in tasks_page(client_for(siro))


def test_a_member_with_nothing_to_do_is_told_so(staff, client_for):
    page = tasks_page(client_for(staff))

    assert "Nothing to do right now." in page
    assert "govuk-task-list__item" not in page


def test_only_the_signed_in_users_own_tasks_are_listed(school, staff, outsider, client_for):
    school.password_max_age_days = 180
    school.save()
    password_age(outsider, 500)  # Brookfield sets no password age, Ashmole does
    no_mfa_siro = make_user("nina.siro@ashmole.example.org")
    add_member(no_mfa_siro, school, "siro", "staff")

    page = tasks_page(client_for(staff))

    assert "Nothing to do right now." in page
    outsider_page = tasks_page(client_for(outsider))
    assert f"{DPO_TASK} Brookfield Primary" in outsider_page
    assert "Ashmole" not in outsider_page
    assert PASSWORD_TASK not in outsider_page


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/tasks/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/tasks/"


def _siro_of(count: int, trust) -> object:
    """A SIRO (with MFA, an ageing password) of `count` schools, none of which has a DPO."""
    user = make_user(f"siro{count}@harbour.example.org")
    enrol_totp(user)
    password_age(user, 175)
    for i in range(count):
        school = School.objects.create(
            trust=trust,
            name=f"School {count}-{i}",
            slug=f"school-{count}-{i}",
            password_max_age_days=180,
        )
        add_member(user, school, "siro", "staff")
    return user


def test_the_page_makes_as_many_queries_for_eight_schools_as_for_one(trust, client_for):
    one, eight = _siro_of(1, trust), _siro_of(8, trust)
    clients = {one: client_for(one), eight: client_for(eight)}
    counts = {}
    for user, client in clients.items():
        client.get("/tasks/")  # warm the session
        with CaptureQueriesContext(connection) as queries:
            page = tasks_page(client)
        counts[user] = len(queries)
        assert page.count(DPO_TASK) == (8 if user is eight else 1)
        assert PASSWORD_TASK in page

    assert counts[one] == counts[eight]
    # Each register adds a provider of one to three queries (eleven registers: 27 queries);
    # what matters is the equality above, and that the page stays within a budget.
    assert counts[eight] <= 30
