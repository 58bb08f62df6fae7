from django.apps import AppConfig


class ControlsConfig(AppConfig):
    name = "bastion.controls"
    label = "controls"

    def ready(self):
        # The daily status snapshot and weekly digest (@job), control checks on My tasks.
        from bastion.controls import jobs  # noqa: F401
