"""Restore an archive written by `manage.py backup` into an empty database (either engine).

The whole archive is checked before anything is written; a wrong key, an archive altered or
cut short, or a database that already holds data is refused with nothing written. --check
restores into a scratch database instead, verifies it and throws it away: a restore test,
recorded in Bastion's own backup register.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from bastion.backups import load, services
from bastion.backups.management.commands.backup import _passphrase
from bastion.backups.models import RestoreCheck


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--key-file", help="a file holding the archive's passphrase")
        parser.add_argument(
            "--check",
            action="store_true",
            help="restore into a scratch database, verify and discard it (a restore test)",
        )
        parser.add_argument(
            "--scratch-url",
            default="",
            help="with --check: an empty database to use (default: a temporary SQLite file)",
        )

    def handle(self, *args, archive, key_file=None, check=False, scratch_url="", **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"No such file: {archive}")
        try:
            passphrase = _passphrase(key_file) or services.backup_key()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        if check:
            result = services.restore_test(
                path=path,
                trigger=RestoreCheck.Trigger.COMMAND,
                passphrase=passphrase,
                scratch_url=scratch_url,
            )
            if not result.ok:
                raise CommandError(f"Restore test FAILED: {result.message}")
            self.stdout.write(f"Restore test passed in {result.seconds:.1f} s: {result.message}")
            return
        try:
            done = load.restore(str(path), passphrase)
        except load.RestoreRefused as exc:
            raise CommandError(f"Not restored: {exc}") from None
        about = done.meta.get("school") or {}
        what = f"{about['name']}'s data" if about else "the whole installation"
        self.stdout.write(
            f"Restored {what} as written at {done.meta['created_at']}: {done.rows:,} rows in "
            f"{len(done.tables)} tables, every one read back and verified."
        )
        if done.audit["ok"]:
            self.stdout.write(done.audit["message"][:1].upper() + done.audit["message"][1:] + ".")
        else:
            self.stderr.write(
                "The audit log was already broken when the backup was written, and is restored "
                f"as it was: {done.audit['message']}. Find out why before relying on it."
            )
        if done.rekeyed:
            self.stdout.write(
                f"{done.rekeyed:,} encrypted files were encrypted again with this server's file "
                "key (their content is unchanged)."
            )
        if done.migrated_forward:
            self.stdout.write(f"Then migrated forward: {', '.join(done.migrated_forward)}.")
