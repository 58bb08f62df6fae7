from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "bastion.incidents"
    label = "incidents"

    def ready(self):
        # Scheduled jobs (the 72-hour clock's reminders) and My tasks providers.
        import bastion.incidents.controls  # noqa: F401  (computed controls P4)
        from bastion.incidents import clock  # noqa: F401
