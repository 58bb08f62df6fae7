"""Every write of the backups register: an archive written to the backup folder, a restore
test, one school's export, and pruning what the retention count no longer keeps."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from bastion.accounts.models import User
from bastion.backups import archive, dump, load
from bastion.backups.models import BackupRecord, RestoreCheck
from bastion.backups.scope import ExportRefused
from bastion.backups.scratch import scratch_database
from bastion.core import audit
from bastion.core.models import School
from bastion.lib.dates import long_datetime
from bastion.notify.services import mail_queue

SUFFIX = ".bastion-backup"


def backup_key() -> str:
    """The configured backup passphrase (BASTION_BACKUP_KEY_FILE, else BASTION_BACKUP_KEY);
    ImproperlyConfigured, saying what to set, when there is none."""
    if path := settings.BASTION_BACKUP_KEY_FILE:
        try:
            key = Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"The backup key file {path} cannot be read: {exc.strerror}."
            ) from None
    else:
        key = settings.BASTION_BACKUP_KEY.strip()
    if not key:
        raise ImproperlyConfigured(
            "No backup key: set BASTION_BACKUP_KEY (or BASTION_BACKUP_KEY_FILE) to a passphrase "
            "of 16 characters or more, kept away from the server."
        )
    return key


def folder_archives(folder: Path | None = None) -> list[Path]:
    """Bastion's archives in the backup folder, newest first."""
    folder = folder or settings.BASTION_BACKUP_DIR
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"bastion-*{SUFFIX}"), reverse=True)


def _alert(subject: str, body: str) -> None:
    """Tell the operators (the installation's superusers) at once."""
    for email in User.objects.filter(is_superuser=True, is_active=True).values_list(
        "email", flat=True
    ):
        mail_queue(to=email, subject=subject, body=body)


def backup_write(
    *,
    path: Path,
    trigger: str,
    actor=None,
    school: School | None = None,
    passphrase: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> BackupRecord:
    """Write an archive of the whole installation (or of `school` alone) to `path`, encrypted
    with `passphrase` (default: the backup key), and record it; a failure is recorded, audited
    and mailed to the operators, never raised. Written beside its final name and renamed when
    complete, so a folder never holds half an archive."""
    started = timezone.now()
    record = BackupRecord(
        kind=BackupRecord.Kind.SCHOOL if school else BackupRecord.Kind.FULL,
        trigger=trigger,
        school=school,
        by=actor,
        started_at=started,
        file_name=path.name,
    )
    partial = path.with_name(f".{path.name}.partial")
    try:
        passphrase = passphrase or backup_key()
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(partial, "wb") as out:
            written = dump.write(out, passphrase, school=school, progress=progress)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(path)
    except (archive.ArchiveError, ExportRefused, ImproperlyConfigured, OSError) as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            exc = f"{path.parent} cannot be written: {exc.strerror or exc}."
        record.message = str(exc)
        record.finished_at = timezone.now()
        record.save()
        audit.record(
            "backup.failed",
            actor=actor,
            actor_label="backup",
            school=school,
            obj=record,
            changes={"error": str(exc)},
        )
        _alert(
            "Bastion's backup failed", f"The backup of {long_datetime(started)} failed:\n\n{exc}\n"
        )
        return record
    _fill(record, written)
    record.save()
    audit.record(
        "school.exported" if school else "backup.written",
        actor=actor,
        actor_label="backup",
        school=school,
        obj=record,
        changes={"file": path.name, "rows": written.rows, "sha256": written.sha256},
    )
    return record


def backup_to_folder(*, trigger: str, actor=None, progress=None) -> BackupRecord:
    """The scheduled kind: an archive in BASTION_BACKUP_DIR, keeping the newest
    BASTION_BACKUP_KEEP."""
    name = f"bastion-{timezone.now():%Y%m%d-%H%M%S}Z{SUFFIX}"
    record = backup_write(
        path=settings.BASTION_BACKUP_DIR / name, trigger=trigger, actor=actor, progress=progress
    )
    if record.ok:
        prune()
    return record


def _fill(record: BackupRecord, written: dump.Written) -> None:
    record.ok = True
    record.finished_at = timezone.now()
    record.size, record.sha256 = written.size, written.sha256
    record.rows, record.files = written.rows, written.files
    record.unreadable_files = written.unreadable_files
    if written.unreadable_files:
        record.message = (
            f"{len(written.unreadable_files)} stored files could not be decrypted with this "
            "server's file key; the archive holds them as they are."
        )


def prune(keep: int | None = None, folder: Path | None = None) -> list[str]:
    """Delete the archives beyond the newest `keep` (BASTION_BACKUP_KEEP) in the folder."""
    keep = settings.BASTION_BACKUP_KEEP if keep is None else keep
    gone = []
    for path in folder_archives(folder)[max(keep, 1) :]:
        path.unlink(missing_ok=True)
        gone.append(path.name)
    if gone:
        BackupRecord.objects.filter(file_name__in=gone, pruned_at=None).update(
            pruned_at=timezone.now()
        )
    return gone


def restore_test(
    *, path: Path, trigger: str, passphrase: str | None = None, scratch_url: str = ""
) -> RestoreCheck:
    """Restore the archive into a scratch database, verify every row, file and the audit chain,
    discard it, and record the result as a restore test of Bastion's own backups."""
    started, clock = timezone.now(), time.monotonic()
    check = RestoreCheck(trigger=trigger, checked_at=started, archive_name=path.name)
    check.archive_sha256 = _sha256(path)
    check.backup = BackupRecord.objects.filter(sha256=check.archive_sha256).first()
    try:
        key = passphrase or backup_key()
        with scratch_database(scratch_url) as alias:
            done = load.restore(str(path), key, using=alias, record=False)
    except (load.RestoreRefused, ImproperlyConfigured) as exc:
        check.message = str(exc)
    else:
        check.ok, check.rows = True, done.rows
        check.written_at = dt.datetime.fromisoformat(done.meta["created_at"])
        check.message = f"{done.rows:,} rows restored and verified; audit chain intact."
    check.seconds = round(time.monotonic() - clock, 2)
    check.save()
    audit.record(
        "backup.restore_tested",
        actor_label="restore test",
        obj=check,
        changes={"archive": path.name, "ok": check.ok, "message": check.message},
    )
    if not check.ok:
        _alert("A restore test of Bastion's backup failed", f"{path.name}:\n\n{check.message}\n")
    return check


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as inp:
            for block in iter(lambda: inp.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return ""
    return digest.hexdigest()


def export_name(school: School, at: dt.datetime) -> str:
    return f"bastion-{school.slug}-{timezone.localtime(at):%Y%m%d-%H%M}{SUFFIX}"
