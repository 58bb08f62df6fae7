from django.apps import AppConfig


class SystemsConfig(AppConfig):
    name = "bastion.systems"
    label = "systems"

    def ready(self):
        # The password reminders (@job), My tasks (@provider) and computed controls (@computed).
        from bastion.systems import controls, passwords  # noqa: F401
