"""`manage.py run_schedule`: idempotent, spaces out slow jobs, survives a failing one."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core.management import CommandError, call_command

from bastion.notify.models import ScheduleRun
from bastion.notify.schedule import JOBS, Job, _claim, run_due
from tests.notify.conftest import received

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def add_job(monkeypatch):
    """add_job(name, func, every) registers a job for this test only."""

    def add(name, func, every=dt.timedelta(0)):
        monkeypatch.setitem(JOBS, name, Job(name, func, every))

    return add


def test_running_it_twice_in_a_row_sends_nothing_new_the_second_time(
    school, staff, smtp, run_schedule
):
    school.password_max_age_days = 180
    school.save()
    staff.password_changed_at -= dt.timedelta(days=170)
    staff.save()

    first, _ = run_schedule()
    second, _ = run_schedule()
    forced, _ = run_schedule("--job", "password-age-reminders")

    assert "password-age-reminders: queued 1" in first
    assert "password-age-reminders" not in second  # hourly: not due again yet
    assert "outbox: sent 0, will retry 0, gave up on 0" in second
    assert "password-age-reminders: queued 0" in forced
    assert [mail["To"] for mail in received(smtp)] == [staff.email]


def test_a_job_with_every_is_skipped_until_it_is_due(add_job, run_schedule, time_machine):
    calls = []
    add_job("tick", lambda: calls.append(1) or "ticked", every=HOUR)

    time_machine.move_to(START, tick=False)
    out, _ = run_schedule()
    assert "tick: ticked" in out
    time_machine.move_to(START + dt.timedelta(minutes=59), tick=False)
    out, _ = run_schedule()
    assert "tick" not in out
    time_machine.move_to(START + dt.timedelta(minutes=61), tick=False)
    out, _ = run_schedule()
    assert "tick: ticked" in out

    assert len(calls) == 2


def test_a_failing_job_is_logged_and_the_others_still_run(add_job, run_schedule, caplog):
    def broken():
        raise RuntimeError("the register is on fire")

    add_job("broken", broken)
    add_job("after", lambda: "still ran")

    with caplog.at_level(logging.ERROR, logger="bastion.notify.schedule"):
        out, err = run_schedule()

    assert "broken: failed: RuntimeError: the register is on fire" in err
    assert "after: still ran" in out
    assert "outbox: sent 0" in out
    [record] = [r for r in caplog.records if r.name == "bastion.notify.schedule"]
    assert "broken" in record.getMessage()
    assert record.exc_info is not None
    assert ScheduleRun.objects.get(job="broken").last_result.startswith("failed: RuntimeError")


def test_the_job_option_runs_that_job_alone_even_when_it_is_not_due(add_job, run_schedule):
    calls = []
    add_job("hourly", lambda: calls.append(1) or "hourly ran", every=HOUR)
    add_job("other", lambda: "other ran")
    run_schedule()

    out, _ = run_schedule("--job", "hourly")

    assert out.strip() == "hourly: hourly ran"
    assert len(calls) == 2


def test_an_unknown_job_name_is_refused_with_a_message():
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("run_schedule", "--job", "no-such-job")


def test_the_output_says_so_when_nothing_was_due(run_schedule, monkeypatch):
    only_hourly = {"hourly": Job("hourly", lambda: "ran", HOUR)}
    monkeypatch.setattr("bastion.notify.schedule.JOBS", only_hourly)
    assert run_schedule()[0].strip() == "hourly: ran"

    out, _ = run_schedule()

    assert out.strip() == "Nothing was due."


def test_a_worker_starting_while_a_job_runs_does_not_run_it_again(add_job):
    inner = []

    def slow():
        if len(inner) < 2:  # a broken claim would recurse; stop it so the test fails cleanly
            inner.append(run_due())
        return "done"

    add_job("slow", slow, every=HOUR)

    outer = run_due()

    assert outer["slow"] == "done"
    assert "slow" not in inner[0]
    assert len(inner) == 1


def test_of_two_workers_that_read_the_schedule_together_only_one_claims_the_job(time_machine):
    time_machine.move_to(START, tick=False)
    item = Job("hourly", lambda: None, HOUR)
    ScheduleRun.objects.create(job="hourly", last_started_at=START - 2 * HOUR)
    seen_by_a = ScheduleRun.objects.get(job="hourly")
    seen_by_b = ScheduleRun.objects.get(job="hourly")

    assert _claim(seen_by_a, item, START, force=False) is True
    assert _claim(seen_by_b, item, START + dt.timedelta(seconds=1), force=False) is False
    assert ScheduleRun.objects.get(job="hourly").last_started_at == START


def test_the_first_run_does_not_trip_over_a_row_another_worker_created(add_job):
    add_job("fresh", lambda: "ran")
    ScheduleRun.objects.create(job="fresh")  # a worker that got there first

    assert run_due(only="fresh") == {"fresh": "ran"}
    assert ScheduleRun.objects.filter(job="fresh").count() == 1


def test_the_worker_loop_runs_the_schedule_again_after_each_pause(monkeypatch, db):
    from django.core.management import call_command

    from bastion.notify.management.commands import run_schedule

    runs, pauses = [], []
    monkeypatch.setattr(run_schedule, "run_due", lambda only=None: runs.append(only) or {})

    def sleep(seconds):
        pauses.append(seconds)
        if len(pauses) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(run_schedule.time, "sleep", sleep)
    with pytest.raises(KeyboardInterrupt):
        call_command("run_schedule", "--loop", "15")
    assert len(runs) == 2 and pauses == [15, 15]
