from django.apps import AppConfig


class FilteringConfig(AppConfig):
    name = "bastion.filtering"
    label = "filtering"
