from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "bastion.agreements"
    label = "agreements"

    def ready(self):
        # The scheduled chaser (@job), the My tasks provider, the computed control (P6) and the
        # coverage counts the refresh job keeps.
        from bastion.agreements import chasing, controls, coverage, mytasks  # noqa: F401
