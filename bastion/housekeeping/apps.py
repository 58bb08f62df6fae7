from django.apps import AppConfig


class HousekeepingConfig(AppConfig):
    name = "bastion.housekeeping"
    label = "housekeeping"
