"""Run every scheduled job that is due: reminders, chasers, the outbox. Safe every few minutes."""

from django.core.management.base import BaseCommand

from bastion.notify.schedule import JOBS, run_due


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--job", choices=sorted(JOBS), help="Run only this job.")

    def handle(self, *args, job=None, **options):
        for name, result in run_due(only=job).items():
            self.stdout.write(f"{name}: {result}")
