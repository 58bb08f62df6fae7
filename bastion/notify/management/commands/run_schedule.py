"""Run every scheduled job that is due: reminders, chasers, the outbox, queued imports.

Safe every few minutes from cron, on several machines at once. With --loop SECONDS it keeps
running as a worker, checking again after each pause (as `make run` does for the demo).
"""

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from bastion.notify.schedule import FAILED, JOBS, run_due


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--job", choices=sorted(JOBS), help="Run only this job, now, even if it is not due."
        )
        parser.add_argument(
            "--loop",
            type=int,
            metavar="SECONDS",
            help="Keep running, pausing this long between runs.",
        )

    def handle(self, *args, job=None, loop=None, **options):
        while True:
            self.run_once(job, quiet=bool(loop))
            if not loop:
                return
            close_old_connections()
            time.sleep(max(1, loop))

    def run_once(self, job, quiet: bool) -> None:
        results = run_due(only=job)
        for name, result in results.items():
            if result.startswith(FAILED):
                self.stderr.write(f"{name}: {result}")
            elif not quiet or not result.startswith(("sent 0,", "ran 0", "queued 0", "Nothing")):
                self.stdout.write(f"{name}: {result}")
        if not results and not quiet:
            self.stdout.write("Nothing was due.")
