from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "bastion.agreements"
    label = "agreements"

    def ready(self):
        # The scheduled chaser (@job), the My tasks provider, the computed control (P6) and the
        # counts brought up to date after a change (@after_change).
        from bastion.agreements import chasing, controls, coverage, mytasks  # noqa: F401
