"""Run every scheduled job that is due: reminders, chasers, the outbox. Safe every few minutes."""

from django.core.management.base import BaseCommand

from bastion.notify.schedule import FAILED, JOBS, run_due


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--job", choices=sorted(JOBS), help="Run only this job, now, even if it is not due."
        )

    def handle(self, *args, job=None, **options):
        results = run_due(only=job)
        for name, result in results.items():
            if result.startswith(FAILED):
                self.stderr.write(f"{name}: {result}")
            else:
                self.stdout.write(f"{name}: {result}")
        if not results:
            self.stdout.write("Nothing was due.")
