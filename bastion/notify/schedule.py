"""The registry behind `manage.py run_schedule`: each app adds its jobs with `@job`.

A job must be idempotent (running it twice in a row changes nothing the second time); reminders
get that from the outbox's dedupe keys. `every` spaces out jobs that need not run each time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from bastion.notify.models import ScheduleRun

log = logging.getLogger(__name__)
FAILED = "failed: "


@dataclass
class Job:
    name: str
    func: Callable[[], object]
    every: dt.timedelta


JOBS: dict[str, Job] = {}


def job(name: str, every: dt.timedelta = dt.timedelta(0)):
    def register(func):
        JOBS[name] = Job(name, func, every)
        return func

    return register


def _claim(run: ScheduleRun, item: Job, now: dt.datetime, force: bool) -> bool:
    """Mark the job started with a conditional update: of two workers that read the same row,
    only one wins; a worker that reads it after the claim sees the job is not due."""
    if not force and run.last_started_at and now - run.last_started_at < item.every:
        return False
    return bool(
        ScheduleRun.objects.filter(pk=run.pk, last_started_at=run.last_started_at).update(
            last_started_at=now
        )
    )


def run_due(now: dt.datetime | None = None, only: str | None = None) -> dict[str, str]:
    """Run every job that is due (or just `only`, due or not); returns {job: result} for the
    jobs that ran. A failing job is logged, its result starts with "failed: ", and the others
    still run."""
    names = [only] if only else list(JOBS)
    runs = ScheduleRun.objects.in_bulk(names, field_name="job")
    if missing := [ScheduleRun(job=name) for name in names if name not in runs]:
        # Insert-or-ignore: two workers on a new job must not trip over each other's row.
        ScheduleRun.objects.bulk_create(missing, ignore_conflicts=True)
        runs = ScheduleRun.objects.in_bulk(names, field_name="job")
    results = {}
    for name in names:
        item = JOBS[name]
        # The row was read before the earlier jobs ran: if another worker has claimed the job
        # since, the conditional update in _claim sees it and this worker skips the job.
        if not _claim(runs[name], item, now or timezone.now(), force=bool(only)):
            continue
        try:
            result = str(item.func() or "ok")
        except Exception as exc:
            log.exception("scheduled job %s failed", name)
            result = f"{FAILED}{type(exc).__name__}: {exc}"
        ScheduleRun.objects.filter(pk=runs[name].pk).update(
            last_finished_at=timezone.now(), last_result=result[:2000]
        )
        results[name] = result
    return results
