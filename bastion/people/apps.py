from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "bastion.people"
    label = "people"

    def ready(self):
        from bastion.people import jobs, mytasks  # noqa: F401  (scheduled jobs, My tasks)
