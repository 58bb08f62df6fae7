"""Write an encrypted archive of the whole installation (or of one school), while it runs.

Without --output the archive goes to the backup folder (BASTION_BACKUP_DIR), which keeps the
newest BASTION_BACKUP_KEEP, as the scheduled backup does. The key is BASTION_BACKUP_KEY (or
the file BASTION_BACKUP_KEY_FILE, or --key-file): not the SECRET_KEY, kept away from the
server. Without it the archive cannot be opened: losing the key loses the backup.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bastion.backups import services
from bastion.backups.models import BackupRecord
from bastion.core.models import School


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--output", help="the archive to write (default: the backup folder)")
        parser.add_argument("--school", help="export this school's data alone (its slug)")
        parser.add_argument("--key-file", help="a file holding the passphrase to encrypt with")

    def handle(self, *args, output=None, school=None, key_file=None, **options):
        passphrase = _passphrase(key_file)
        found = None
        if school:
            found = School.objects.filter(slug=school).first()
            if found is None:
                raise CommandError(f"No school has the slug {school!r}.")
            if not output:
                raise CommandError("Give --output for one school's export.")
        progress = self.stdout.write if options["verbosity"] else None
        trigger = BackupRecord.Trigger.COMMAND
        if output:
            record = services.backup_write(
                path=Path(output).resolve(),
                trigger=trigger,
                school=found,
                passphrase=passphrase,
                progress=progress,
            )
        else:
            record = services.backup_to_folder(trigger=trigger, progress=progress)
        if not record.ok:
            raise CommandError(f"The backup failed: {record.message}")
        self.stdout.write(
            f"Wrote {record.file_name}: {record.rows:,} rows, {record.files:,} stored files, "
            f"{record.size / 1e6:,.1f} MB, SHA-256 {record.sha256}."
        )
        if record.message:
            self.stderr.write(record.message)


def _passphrase(key_file: str | None) -> str | None:
    if not key_file:
        return None
    try:
        return Path(key_file).read_text().strip()
    except OSError as exc:
        raise CommandError(f"The key file {key_file} cannot be read: {exc.strerror}.") from None
