"""Bastion's own backups as a backup set with its restore tests: what the operator sees, with
the same checks a school's backup set gets (encrypted, backed up on time, restored in a test
within its period)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from bastion.backups import services
from bastion.backups.models import BackupRecord, RestoreCheck
from bastion.lib.dates import long_date

RECENT = 20


def _configured() -> str:
    """'' when backups can run, else why not."""
    try:
        services.backup_key()
    except ImproperlyConfigured as exc:
        return str(exc)
    return ""


def flags(last: BackupRecord | None, last_ok, test: RestoreCheck | None, test_ok, now) -> list:
    """What needs attention, in the words of a school's backup set."""
    every = dt.timedelta(hours=settings.BASTION_BACKUP_EVERY_HOURS)
    period = settings.BASTION_RESTORE_TEST_DAYS
    found = []
    if problem := _configured():
        found.append(f"Backups are off. {problem}")
    if last is not None and not last.ok:
        found.append(f"The last backup, on {long_date(last.started_at)}, failed: {last.message}")
    if last_ok is None:
        found.append("No backup has been written yet.")
    elif now - last_ok.started_at > every + dt.timedelta(hours=1):
        found.append(
            f"No successful backup since {long_date(last_ok.started_at)}: one is due every "
            f"{settings.BASTION_BACKUP_EVERY_HOURS} hours."
        )
    if last_ok is not None and last_ok.unreadable_files:
        found.append(last_ok.message)
    if test_ok is None:
        found.append("Never restored in a test: run `manage.py restore --check` on an archive.")
    elif now - test_ok.checked_at > dt.timedelta(days=period):
        found.append(
            f"No successful restore test since {long_date(test_ok.checked_at)}: one is due at "
            f"least every {period} days."
        )
    if test is not None and not test.ok:
        found.append(
            f"The last restore test, on {long_date(test.checked_at)}, failed: {test.message}"
        )
    return found


def overview() -> dict:
    """The operator's page: the set, its archives and restore tests, and what needs attention."""
    now = timezone.now()
    full = BackupRecord.objects.filter(kind=BackupRecord.Kind.FULL)
    backups = list(BackupRecord.objects.select_related("school", "by")[:RECENT])
    tests = list(RestoreCheck.objects.select_related("backup")[:RECENT])
    last, last_ok = full.first(), full.filter(ok=True).first()
    test, test_ok = (tests[0] if tests else None), RestoreCheck.objects.filter(ok=True).first()
    return {
        "flags": flags(last, last_ok, test, test_ok, now),
        "folder": settings.BASTION_BACKUP_DIR,
        "every_hours": settings.BASTION_BACKUP_EVERY_HOURS,
        "keep": settings.BASTION_BACKUP_KEEP,
        "test_days": settings.BASTION_RESTORE_TEST_DAYS,
        "configured": not _configured(),
        "last_ok": last_ok,
        "test_ok": test_ok,
        "backups": backups,
        "tests": tests,
        "archives": [(p.name, p.stat().st_size) for p in services.folder_archives()[:RECENT]],
    }
