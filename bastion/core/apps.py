from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "bastion.core"
    label = "core"

    def ready(self):
        from bastion.core import controls  # noqa: F401  (computed controls P1, P2, T2, T4)
