from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "bastion.incidents"
    label = "incidents"

    def ready(self):
        # Scheduled jobs (the 72-hour clock's reminders) and My tasks providers.
        from bastion.incidents import clock  # noqa: F401
