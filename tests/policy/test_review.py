"""The annual review: a reminder a month before, a draft the reviewer edits, the SIRO's
sign-off that freezes the version and moves the next review on a year."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from bastion.core.models import AuditEvent
from bastion.notify.mytasks import tasks_for
from bastion.policy import document
from bastion.policy.models import Policy, PolicyVersion, Statement
from bastion.policy.services import review_sign_off, review_start, statement_update
from tests.notify.conftest import received

pytestmark = pytest.mark.django_db

SUBJECT = "[Bastion] The E-Security Policy of Ashmole Primary is due for its annual review"


@pytest.fixture
def reviewed(school):
    school.policy_review_date = dt.date(2025, 9, 1)
    school.next_review_date = dt.date(2026, 9, 1)
    school.reviewed_by = "Keith Bridges"
    school.save()
    return school


def test_the_reminder_goes_to_the_siro_and_dpo_once_a_month_before(
    reviewed, siro, dpo, staff, smtp, run_schedule, time_machine
):
    time_machine.move_to(dt.datetime(2026, 7, 31, 9, tzinfo=dt.UTC), tick=False)
    run_schedule("--job", "policy-review-reminders")
    assert not [m for m in received(smtp) if m["Subject"] == SUBJECT]
    time_machine.move_to(dt.datetime(2026, 8, 1, 9, tzinfo=dt.UTC), tick=False)
    run_schedule("--job", "policy-review-reminders")
    run_schedule("--job", "policy-review-reminders")
    time_machine.move_to(dt.datetime(2026, 8, 20, 9, tzinfo=dt.UTC), tick=False)
    run_schedule("--job", "policy-review-reminders")
    mail = [m for m in received(smtp) if m["Subject"] == SUBJECT]
    assert sorted(m["To"] for m in mail) == [dpo.email, siro.email]
    body = mail[0].get_content()
    assert "due for its annual review by 1 September 2026" in body
    assert "/s/ashmole/policy/" in body


def test_my_tasks_shows_the_review_to_the_siro_and_dpo_only(
    reviewed, siro, dpo, staff, time_machine
):
    time_machine.move_to(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC), tick=False)
    assert not [t for t in tasks_for(siro) if "E-Security Policy" in t.title]
    time_machine.move_to(dt.datetime(2026, 8, 15, 9, tzinfo=dt.UTC), tick=False)
    task = next(t for t in tasks_for(dpo) if "E-Security Policy" in t.title)
    assert task.title == "Review the E-Security Policy of Ashmole Primary"
    assert (task.due, task.urgent, task.url) == (dt.date(2026, 9, 1), False, "/s/ashmole/policy/")
    assert not [t for t in tasks_for(staff) if "E-Security Policy" in t.title]
    time_machine.move_to(dt.datetime(2026, 9, 2, 9, tzinfo=dt.UTC), tick=False)
    task = next(t for t in tasks_for(siro) if "E-Security Policy" in t.title)
    assert task.urgent and task.title.endswith("(overdue)")


def test_while_a_review_runs_the_siro_is_asked_to_sign_off(
    reviewed, siro, dpo, policy, time_machine
):
    time_machine.move_to(dt.datetime(2026, 8, 15, 9, tzinfo=dt.UTC), tick=False)
    review_start(actor=dpo, school=reviewed, policy=policy)
    titles = [t.title for t in tasks_for(siro)]
    assert "Sign off the review of the E-Security Policy of Ashmole Primary" in titles
    titles = [t.title for t in tasks_for(dpo)]
    assert "Finish the review of the E-Security Policy of Ashmole Primary" in titles


def test_my_tasks_for_the_policy_take_one_query(
    reviewed, siro, dpo, policy, django_assert_max_num_queries, time_machine
):
    from bastion.core.models import Membership
    from bastion.policy.reminders import policy_review_tasks

    time_machine.move_to(dt.datetime(2026, 8, 15, 9, tzinfo=dt.UTC), tick=False)
    memberships = list(Membership.objects.filter(user=siro).select_related("school"))
    with django_assert_max_num_queries(1):
        assert policy_review_tasks(siro, memberships)


def test_the_whole_review_through_the_pages(reviewed, siro, dpo, client_for, policy, time_machine):
    time_machine.move_to(dt.datetime(2026, 8, 20, 9, tzinfo=dt.UTC), tick=False)
    url = "/s/ashmole/policy/"
    assert client_for(dpo).post(url + "review/start/").status_code == 302
    assert Policy.objects.get(pk=policy.pk).status == "under_review"
    page = client_for(dpo).get(url).content.decode()
    assert "the review was started by Dev Dpo on 20 August 2026" in page
    # The DPO cannot sign off, whatever they type.
    assert client_for(dpo).get(url + "review/sign-off/").status_code == 403
    # The SIRO must type their own name.
    wrong = client_for(siro).post(url + "review/sign-off/", {"confirm_name": "Somebody Else"})
    assert "Type your name, Hana Siro, to sign off." in wrong.content.decode()
    response = client_for(siro).post(url + "review/sign-off/", {"confirm_name": " hana  SIRO "})
    assert response.status_code == 302
    version = PolicyVersion.objects.get(policy=policy)
    assert (version.status, version.signed_off_name, version.reviewed_by) == (
        "signed_off",
        "Hana Siro",
        "Dev Dpo",
    )
    reviewed.refresh_from_db()
    assert reviewed.policy_review_date == dt.date(2026, 8, 20)
    assert reviewed.next_review_date == dt.date(2027, 9, 1)
    assert reviewed.reviewed_by == "Dev Dpo"
    assert Policy.objects.get(pk=policy.pk).status == "in_force"
    event = AuditEvent.objects.get(action="policy.signed_off")
    assert event.changes["next_review_date"] == ["2026-09-01", "2027-09-01"]


def test_only_the_schools_siro_signs_off(reviewed, siro, dpo, trust_admin, policy):
    review_start(actor=dpo, school=reviewed, policy=policy)
    for actor in (dpo, trust_admin):
        with pytest.raises(ValidationError, match="Only the school's SIRO"):
            review_sign_off(
                actor=actor, school=reviewed, policy=policy, confirm_name=actor.get_full_name()
            )
    assert PolicyVersion.objects.get(policy=policy).status == "draft"


def test_one_review_at_a_time_and_none_to_sign_off_without_one(reviewed, siro, dpo, policy):
    with pytest.raises(ValidationError, match="No review is in progress"):
        review_sign_off(actor=siro, school=reviewed, policy=policy, confirm_name="Hana Siro")
    review_start(actor=dpo, school=reviewed, policy=policy)
    with pytest.raises(ValidationError, match="already in progress, started by Dev Dpo"):
        review_start(actor=siro, school=reviewed, policy=policy)


def test_a_signed_off_version_is_frozen_against_later_edits(
    reviewed, siro, dpo, policy, time_machine
):
    time_machine.move_to(dt.datetime(2026, 8, 20, 9, tzinfo=dt.UTC), tick=False)
    review_start(actor=dpo, school=reviewed, policy=policy)
    version = review_sign_off(actor=siro, school=reviewed, policy=policy, confirm_name="Hana Siro")
    frozen = dict(version.snapshot)
    statement = Statement.objects.get(policy=policy, code="T2")
    statement_update(actor=dpo, school=reviewed, statement=statement, data={"text": "Changed."})
    reviewed.name = "Renamed Primary"
    reviewed.idle_lock_minutes = 3
    reviewed.save()
    version.refresh_from_db()
    assert version.snapshot == frozen
    archived = document.from_snapshot(version.snapshot)
    assert archived.school_name == "Ashmole Primary"
    assert archived.review_date == "20 August 2026"
    assert archived.items()[statement.pk][1].text.endswith("enforce lock-out after 10 minutes.")


def test_a_late_review_still_moves_the_next_date_past_today(
    reviewed, siro, dpo, policy, time_machine
):
    time_machine.move_to(dt.datetime(2028, 1, 10, 9, tzinfo=dt.UTC), tick=False)
    review_start(actor=siro, school=reviewed, policy=policy)
    version = review_sign_off(actor=siro, school=reviewed, policy=policy, confirm_name="Hana Siro")
    assert version.next_review_date == dt.date(2028, 9, 1)


def test_a_first_review_without_dates_sets_them_a_year_apart(school, siro, policy, time_machine):
    time_machine.move_to(dt.datetime(2026, 2, 3, 9, tzinfo=dt.UTC), tick=False)
    review_start(actor=siro, school=school, policy=policy)
    version = review_sign_off(actor=siro, school=school, policy=policy, confirm_name="hana siro")
    assert (version.review_date, version.next_review_date) == (
        dt.date(2026, 2, 3),
        dt.date(2027, 2, 3),
    )
