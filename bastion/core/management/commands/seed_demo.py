"""Create the demo trust and schools (once) and print the demo sign-ins."""

from django.core.management.base import BaseCommand

from bastion.core.demo import DEMO_PASSWORD, seed_demo


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
        self.stdout.write(f"\nDemo sign-ins (every account's password: {DEMO_PASSWORD})\n")
        for email, what in logins:
            self.stdout.write(f"  {email:34} {what}")
        self.stdout.write(
            "\nThe SIRO, DPO, IT lead and trust admin are asked to set up two-factor "
            "authentication (an authenticator app or a passkey) the first time they sign in.\n"
        )
