"""Create the demo trust and schools (once), fill their registers, and print the demo sign-ins."""

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from bastion.core.demo import DEMO_PASSWORD, seed_demo

# Each register's demo data, in the order they build on each other: "module.function" taking
# the school and returning how many rows it created (0 when the school already has them).
SEEDERS = [
    ("bastion.systems.demo.seed_systems", "systems in the systems register"),
    ("bastion.equipment.demo.seed_equipment", "devices in the equipment register"),
    ("bastion.incidents.demo.seed_incidents", "incidents in the breach log"),
    ("bastion.assets.demo.seed_assets", "information assets"),
    ("bastion.agreements.demo.seed_agreements", "agreement signatures"),
    ("bastion.offsite.demo.seed_offsite", "off-site removals"),
    ("bastion.housekeeping.demo.seed_housekeeping", "housekeeping attestations"),
    ("bastion.filtering.demo.seed_filtering", "filtering and monitoring records"),
    ("bastion.policy.demo.seed_policy", "the E-Security Policy"),
    # Last: its status history is computed from everything above.
    ("bastion.controls.demo.seed_controls", "control checks and status history"),
]


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        logins = seed_demo()
        from bastion.core.models import School
        from bastion.people.demo import seed_people

        for seed, school in enumerate(
            School.objects.filter(slug__in=["ashmole-primary", "brookfield-primary"]), start=1
        ):
            created = seed_people(school, seed=seed)
            if created:
                self.stdout.write(f"{school.name}: {created} people in the directory")
            for path, what in SEEDERS:
                created = import_string(path)(school)
                if isinstance(created, int) and created:
                    self.stdout.write(f"{school.name}: {created} {what}")
        self.stdout.write(f"\nDemo sign-ins (every account's password: {DEMO_PASSWORD})\n")
        for email, what in logins:
            self.stdout.write(f"  {email:34} {what}")
        self.stdout.write(
            "\nThe SIRO, DPO, IT lead, trust admin and operator are asked to set up two-factor "
            "authentication (an authenticator app or a passkey) the first time they sign in.\n"
        )
