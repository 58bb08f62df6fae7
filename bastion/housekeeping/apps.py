from django.apps import AppConfig


class HousekeepingConfig(AppConfig):
    name = "bastion.housekeeping"
    label = "housekeeping"

    def ready(self):
        # The chasing job and My tasks provider (campaigns), the P14 control (controls).
        from bastion.housekeeping import campaigns, controls  # noqa: F401
