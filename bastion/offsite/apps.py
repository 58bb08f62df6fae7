from django.apps import AppConfig


class OffsiteConfig(AppConfig):
    name = "bastion.offsite"
    label = "offsite"
