from bastion.systems.views import accounts, passwords, systems, transfers

urlpatterns = [
    *systems.urlpatterns,
    *accounts.urlpatterns,
    *passwords.urlpatterns,
    *transfers.urlpatterns,
]
