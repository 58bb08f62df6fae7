"""Check the audit log's hash chain: exit 0 when intact, 1 naming the first bad entry."""

from django.core.management.base import BaseCommand, CommandError

from bastion.core.audit import verify


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        verdict = verify()
        if not verdict.ok:
            raise CommandError(f"audit log TAMPERED: {verdict.message}", returncode=1)
        self.stdout.write(verdict.message)
