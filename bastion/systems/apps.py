from django.apps import AppConfig


class SystemsConfig(AppConfig):
    name = "bastion.systems"
    label = "systems"
