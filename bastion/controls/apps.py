from django.apps import AppConfig


class ControlsConfig(AppConfig):
    name = "bastion.controls"
    label = "controls"
