from django.apps import AppConfig


class FilteringConfig(AppConfig):
    name = "bastion.filtering"
    label = "filtering"

    def ready(self):
        # The reminder job and My tasks provider (register), the P7 control (controls).
        from bastion.filtering import controls, register  # noqa: F401
