"""The daily status snapshot (idempotent per day) and the weekly digest (once a week, over real
SMTP), through run_schedule."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from io import StringIO

import time_machine
from django.core.management import call_command
from django.utils import timezone

from bastion.controls import services
from bastion.controls.models import StatusSnapshot
from bastion.controls.status import statuses
from bastion.core import audit
from bastion.equipment.models import Device

MONDAY = dt.datetime(2026, 11, 23, 7, tzinfo=dt.UTC)


def run(django_capture_on_commit_callbacks, *args) -> str:
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_schedule", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def received(smtp):
    return [
        email.message_from_string(m.data.replace("\r\n", "\n"), policy=email.policy.default)
        for m in smtp.messages
    ]


def test_the_snapshot_keeps_one_row_per_school_control_and_day(
    school, other_school, django_capture_on_commit_callbacks
):
    with time_machine.travel(MONDAY, tick=False):
        first = run(django_capture_on_commit_callbacks, "--job", "control-snapshots")
        assert "control-snapshots: stored 62" in first
        # Recorded, as the services record every change: what is kept of T3 is then stale.
        device = Device.objects.create(school=school, kind="laptop", holds_personal_data=True)
        audit.record("device.created", school=school, obj=device)
        run(django_capture_on_commit_callbacks, "--job", "control-snapshots")
        assert StatusSnapshot.objects.count() == 62  # the same day: updated, not added
        row = StatusSnapshot.objects.get(school=school, code="T3")
        assert row.status == "attention"
        device.delete()
        audit.record("device.deleted", school=school)
    with time_machine.travel(MONDAY + dt.timedelta(days=1), tick=False):
        run(django_capture_on_commit_callbacks, "--job", "control-snapshots")
    assert StatusSnapshot.objects.count() == 124
    days = set(StatusSnapshot.objects.filter(school=school, code="T3").values_list("day", "status"))
    assert days == {(dt.date(2026, 11, 23), "attention"), (dt.date(2026, 11, 24), "met")}


def test_the_snapshot_matches_the_statuses(school):
    today = timezone.localdate()
    services.snapshot_statuses([school], today)
    expected = {c.code: c.status for c in statuses([school], today)[school.pk].values()}
    stored = dict(StatusSnapshot.objects.filter(school=school).values_list("code", "status"))
    assert stored == expected


def test_the_weekly_digest_goes_once_to_each_member_with_a_role(
    school, siro, office, governor, staff, smtp, django_capture_on_commit_callbacks
):
    with time_machine.travel(MONDAY, tick=False):
        first = run(django_capture_on_commit_callbacks, "--job", "controls-digest")
        again = run(django_capture_on_commit_callbacks, "--job", "controls-digest")
    assert "controls-digest: queued 3" in first
    assert "controls-digest: queued 0" in again
    mails = {m["To"]: m for m in received(smtp)}
    assert set(mails) == {siro.email, office.email, governor.email}  # not plain staff
    office_body = mails[office.email].get_content()
    # The office owns T16 (cross-cut shredding) by default: its check has never been made.
    assert "T16 Paper is shredded with a cross-cut shredder: no check recorded yet" in office_body
    assert f"/s/{school.slug}/controls/" in office_body
    governor_body = mails[governor.email].get_content()
    assert "met," in governor_body and "needing attention" in governor_body
    # The next week it goes again.
    with time_machine.travel(MONDAY + dt.timedelta(days=7), tick=False):
        later = run(django_capture_on_commit_callbacks, "--job", "controls-digest")
    assert "controls-digest: queued 3" in later
