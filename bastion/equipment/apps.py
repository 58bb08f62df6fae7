from django.apps import AppConfig


class EquipmentConfig(AppConfig):
    name = "bastion.equipment"
    label = "equipment"

    def ready(self):
        # Each area registers its scheduled jobs (@job) and My tasks providers (@provider).
        import bastion.equipment.controls  # noqa: F401  (computed controls T3, T6, T10-T15)
        from bastion.equipment import backups, devices, disposal, loans  # noqa: F401
