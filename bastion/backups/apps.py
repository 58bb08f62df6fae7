from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "bastion.backups"
    label = "backups"

    def ready(self):
        from bastion.backups import jobs  # noqa: F401  (the scheduled backup and restore test)
