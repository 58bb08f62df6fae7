from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bastion.accounts"
    label = "accounts"

    def ready(self):
        from bastion.accounts import signals  # noqa: F401
