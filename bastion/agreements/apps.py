from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "bastion.agreements"
    label = "agreements"

    def ready(self):
        # The scheduled chaser (@job), the My tasks provider and the computed control (P6).
        from bastion.agreements import chasing, controls, mytasks  # noqa: F401
