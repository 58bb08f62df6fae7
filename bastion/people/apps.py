from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "bastion.people"
    label = "people"

    def ready(self):
        import bastion.people.controls  # noqa: F401  (computed controls P5, T7)
        from bastion.people import jobs, mytasks  # noqa: F401  (scheduled jobs, My tasks)
