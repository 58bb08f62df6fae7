from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "bastion.assets"
    label = "assets"
