from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "bastion.policy"
    label = "policy"
