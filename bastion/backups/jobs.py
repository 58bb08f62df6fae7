"""The scheduled backup (daily by default) and the restore test of the newest archive (weekly
by default). Both look every quarter of an hour whether one is due, so that setting the key
starts them at once, and a failure is tried again soon, not after a whole period."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from bastion.backups import services
from bastion.backups.models import BackupRecord, RestoreCheck
from bastion.notify.schedule import job

LOOK = dt.timedelta(minutes=15)
# A failed backup or test is tried again after this, not at every look (each alerts the
# operators).
RETRY = dt.timedelta(hours=1)


def _due(last_ok, last_try, period: dt.timedelta) -> bool:
    now = timezone.now()
    if last_try and now - last_try < RETRY:
        return False
    # A little early rather than late: a daily backup taken at 02:00 stays at about 02:00.
    return last_ok is None or now - last_ok >= period - LOOK


@job("backups", every=LOOK)
def scheduled_backup() -> str:
    try:
        services.backup_key()
    except ImproperlyConfigured as exc:
        return f"skipped: {exc}"
    full = BackupRecord.objects.filter(kind=BackupRecord.Kind.FULL)
    last_ok = full.filter(ok=True).values_list("started_at", flat=True).first()
    last_try = full.values_list("started_at", flat=True).first()
    if not _due(last_ok, last_try, dt.timedelta(hours=settings.BASTION_BACKUP_EVERY_HOURS)):
        return "not due"
    record = services.backup_to_folder(trigger=BackupRecord.Trigger.SCHEDULE)
    if not record.ok:
        return f"failed: {record.message}"
    return f"ok: {record.file_name}, {record.rows:,} rows"


@job("backup-restore-test", every=LOOK)
def scheduled_restore_test() -> str:
    try:
        services.backup_key()
    except ImproperlyConfigured as exc:
        return f"skipped: {exc}"
    archives = services.folder_archives()
    if not archives:
        return "skipped: no archive in the backup folder yet"
    last_ok = RestoreCheck.objects.filter(ok=True).values_list("checked_at", flat=True).first()
    last_try = RestoreCheck.objects.values_list("checked_at", flat=True).first()
    if not _due(last_ok, last_try, dt.timedelta(days=settings.BASTION_RESTORE_TEST_DAYS)):
        return "not due"
    check = services.restore_test(path=archives[0], trigger=RestoreCheck.Trigger.SCHEDULE)
    return f"{'ok' if check.ok else 'failed'}: {archives[0].name}: {check.message}"
