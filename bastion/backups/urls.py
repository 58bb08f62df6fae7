from django.urls import path

from bastion.backups import views

urlpatterns = [
    path("operator/backups/", views.operator_backups, name="operator-backups"),
    path("operator/backups/export/", views.operator_export, name="operator-export"),
    path("trust/<slug:trust>/export/", views.trust_export, name="trust-export"),
]
