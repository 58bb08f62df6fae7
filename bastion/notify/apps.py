from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "bastion.notify"
    label = "notify"

    def ready(self):
        from bastion.notify import jobs  # noqa: F401  (registers the scheduled jobs)
