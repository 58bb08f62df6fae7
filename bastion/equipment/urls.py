from bastion.equipment.views import backups, devices, disposal, loans, locations

urlpatterns = [
    *devices.urlpatterns,
    *locations.urlpatterns,
    *loans.urlpatterns,
    *backups.urlpatterns,
    *disposal.urlpatterns,
]
