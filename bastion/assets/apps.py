from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "bastion.assets"
    label = "assets"

    def ready(self):
        # The computed controls (P3, T1), the review reminder job and the My tasks provider.
        from bastion.assets import controls, reminders  # noqa: F401
