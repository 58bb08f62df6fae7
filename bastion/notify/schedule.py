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


@dataclass
class Job:
    name: str
    func: Callable[[], str | None]
    every: dt.timedelta


JOBS: dict[str, Job] = {}


def job(name: str, every: dt.timedelta = dt.timedelta(0)):
    def register(func):
        JOBS[name] = Job(name, func, every)
        return func

    return register


def run_due(now: dt.datetime | None = None, only: str | None = None) -> dict[str, str]:
    """Run every job that is due; a failing job is logged and does not stop the others."""
    now = now or timezone.now()
    results = {}
    for name, item in JOBS.items():
        if only and name != only:
            continue
        run, _ = ScheduleRun.objects.get_or_create(job=name)
        if run.last_started_at and item.every and now - run.last_started_at < item.every:
            continue
        # Claim the run: a second worker starting at the same moment skips this job.
        claimed = ScheduleRun.objects.filter(pk=run.pk, last_started_at=run.last_started_at).update(
            last_started_at=now
        )
        if not claimed:
            continue
        try:
            result = item.func() or "ok"
        except Exception as exc:
            log.exception("scheduled job %s failed", name)
            result = f"failed: {type(exc).__name__}: {exc}"
        ScheduleRun.objects.filter(pk=run.pk).update(
            last_finished_at=timezone.now(), last_result=result[:2000]
        )
        results[name] = result
    return results
