from django.apps import AppConfig


class OffsiteConfig(AppConfig):
    name = "bastion.offsite"
    label = "offsite"

    def ready(self):
        # The chasing job and My tasks providers (removals), the P12 control (controls).
        from bastion.offsite import controls, removals  # noqa: F401
