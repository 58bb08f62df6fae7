"""The yearly review: "Review <asset>" on the owner's My tasks, and the reminder e-mail, once per
due date and at most once a year after, with time travel."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.assets.reminders import asset_review_reminders, asset_reviews
from bastion.core.models import Membership
from bastion.notify.models import OutboxMessage
from bastion.notify.mytasks import tasks_for
from tests.assets.assets import TODAY, asset, staff_member

pytestmark = pytest.mark.django_db


def memberships(user):
    return list(Membership.objects.filter(user=user, active=True).select_related("school"))


def test_an_owner_sees_review_tasks_for_their_due_assets_only(
    school, staff, django_assert_num_queries
):
    me = staff_member(school, "Sam", "Staff", user=staff)
    due = asset(school, "Class photographs", owner=me, last_reviewed_on=dt.date(2025, 1, 10))
    asset(school, "Reading records", owner=me)  # reviewed a month ago
    asset(school, "Payroll", owner=staff_member(school), last_reviewed_on=None)
    asset(school, "Old", owner=me, last_reviewed_on=None, archived_on=TODAY)
    mine = memberships(staff)
    with django_assert_num_queries(1):
        tasks = asset_reviews(staff, mine)
    assert [(t.title, t.url, t.due) for t in tasks] == [
        ("Review Class photographs", f"/s/ashmole/assets/{due.pk}/", dt.date(2026, 1, 10))
    ]
    assert "Review Class photographs" in [t.title for t in tasks_for(staff)]
    for n in range(20):
        asset(school, f"More {n}", owner=me, last_reviewed_on=None)
    with django_assert_num_queries(1):
        assert len(asset_reviews(staff, mine)) == 21


def test_a_governor_owning_nothing_gets_no_query(governor, django_assert_num_queries):
    mine = memberships(governor)
    with django_assert_num_queries(0):
        assert asset_reviews(governor, mine) == []


def test_the_reminder_goes_a_month_ahead_once_then_once_a_year(school, staff, time_machine):
    me = staff_member(school, "Sam", "Staff", user=staff)
    records = asset(school, "Reading records", owner=me, last_reviewed_on=dt.date(2025, 4, 15))
    asset(school, "Fresh", owner=me)
    asset(school, "Nobody's", owner=None, last_reviewed_on=None)
    assert asset_review_reminders() == "queued 0"  # due 15 April: more than a month away

    time_machine.move_to(dt.datetime(2026, 3, 20, 9, tzinfo=dt.UTC), tick=False)
    assert asset_review_reminders() == "queued 1"
    message = OutboxMessage.objects.get()
    assert message.to == "sam.staff@ashmole.example.org"
    assert "Reading records" in message.subject
    assert "due on 15 April 2026" in message.body
    assert f"/s/ashmole/assets/{records.pk}/" in message.body
    assert asset_review_reminders() == "queued 0"

    time_machine.move_to(dt.datetime(2027, 4, 20, 9, tzinfo=dt.UTC), tick=False)
    asset_review_reminders()  # more than a year overdue (and "Fresh" now due too)
    keys = sorted(OutboxMessage.objects.values_list("dedupe_key", flat=True))
    assert f"asset-review:{records.pk}:overdue-2027" in keys
    count = OutboxMessage.objects.count()
    time_machine.move_to(dt.datetime(2027, 12, 20, 9, tzinfo=dt.UTC), tick=False)
    asset_review_reminders()
    assert OutboxMessage.objects.count() == count  # not again this year

    records.last_reviewed_on = dt.date(2027, 12, 20)
    records.save()
    time_machine.move_to(dt.datetime(2028, 12, 1, 9, tzinfo=dt.UTC), tick=False)
    asset_review_reminders()
    assert f"asset-review:{records.pk}:2028-12-20" in OutboxMessage.objects.values_list(
        "dedupe_key", flat=True
    )
