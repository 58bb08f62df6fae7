"""Check the audit log's hash chain: exit 0 when intact, 1 naming the first bad entry."""

import sys

from django.core.management.base import BaseCommand

from bastion.core.audit import verify


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        verdict = verify()
        if verdict.ok:
            self.stdout.write(verdict.message)
            return
        self.stderr.write(f"audit log TAMPERED: {verdict.message}")
        sys.exit(1)
