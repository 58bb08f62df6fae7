from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "bastion.policy"
    label = "policy"

    def ready(self):
        # The review's reminder job and My tasks entry (@job, @provider), and the P0 control.
        from bastion.policy import controls, reminders  # noqa: F401
