from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "bastion.agreements"
    label = "agreements"
