"""The scheduled backup and restore test: Bastion keeps its own backup register."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.backups import services
from bastion.backups.models import BackupRecord, RestoreCheck
from bastion.core.models import AuditEvent
from bastion.notify.schedule import run_due
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)
START = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def operator(db):
    user = make_user("ops@provider.example.org", "Opal", "Operator")
    user.is_superuser = True
    user.save()
    return user


def test_without_a_key_the_backup_is_skipped_and_says_why(settings, tmp_path):
    settings.BASTION_BACKUP_KEY = ""
    settings.BASTION_BACKUP_DIR = tmp_path
    result = run_due(only="backups")["backups"]
    assert result.startswith("skipped: No backup key")
    assert not BackupRecord.objects.exists()
    assert list(tmp_path.iterdir()) == []


def test_the_scheduled_backup_writes_an_archive_records_and_audits_it(
    backup_settings, school, siro, time_machine
):
    time_machine.move_to(START, tick=False)
    result = run_due(only="backups")["backups"]
    assert result.startswith("ok: bastion-20261207-020000Z")
    (archive,) = services.folder_archives()
    record = BackupRecord.objects.get()
    assert (record.ok, record.file_name, record.trigger) == (True, archive.name, "schedule")
    assert record.size == archive.stat().st_size and record.rows > 0
    assert AuditEvent.objects.filter(action="backup.written").count() == 1
    # Within the day it is not due again.
    time_machine.move_to(START + dt.timedelta(hours=6), tick=False)
    assert run_due(only="backups")["backups"] == "not due"


def test_the_folder_keeps_the_newest_archives_only(backup_settings, school, time_machine):
    backup_settings.BASTION_BACKUP_KEEP = 2
    for day in range(4):
        time_machine.move_to(START + dt.timedelta(days=day), tick=False)
        assert run_due(only="backups")["backups"].startswith("ok:")
    kept = [p.name for p in services.folder_archives()]
    assert kept == [
        "bastion-20261210-020000Z.bastion-backup",
        "bastion-20261209-020000Z.bastion-backup",
    ]
    assert BackupRecord.objects.filter(pruned_at__isnull=False).count() == 2


def test_the_restore_test_restores_the_newest_archive_and_records_it(
    backup_settings, school, siro, time_machine
):
    time_machine.move_to(START, tick=False)
    assert run_due(only="backup-restore-test")["backup-restore-test"].startswith(
        "skipped: no archive"
    )
    run_due(only="backups")
    result = run_due(only="backup-restore-test")["backup-restore-test"]
    assert result.startswith("ok:"), result
    check = RestoreCheck.objects.get()
    assert check.ok and check.backup == BackupRecord.objects.get()
    assert check.rows == check.backup.rows
    assert AuditEvent.objects.filter(action="backup.restore_tested").count() == 1
    time_machine.move_to(START + dt.timedelta(days=3), tick=False)
    assert run_due(only="backup-restore-test")["backup-restore-test"] == "not due"


def test_a_failed_backup_is_recorded_and_mailed_to_the_operators(
    backup_settings, school, operator, smtp, tmp_path
):
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("")
    backup_settings.BASTION_BACKUP_DIR = blocked
    result = run_due(only="backups")["backups"]
    assert result.startswith("failed:")
    record = BackupRecord.objects.get()
    assert not record.ok and record.message
    assert AuditEvent.objects.filter(action="backup.failed").count() == 1
    (mail,) = smtp.messages
    assert mail.rcpt_tos == [operator.email]
    assert "backup failed" in mail.data


def test_a_failed_restore_test_is_recorded_as_failed(backup_settings, school, operator, smtp):
    run_due(only="backups")
    (archive,) = services.folder_archives()
    archive.write_bytes(archive.read_bytes()[:-10])
    check = services.restore_test(path=archive, trigger=RestoreCheck.Trigger.COMMAND)
    assert not check.ok and "cut short" in check.message
    assert "restore test" in smtp.messages[-1].data
