from django.urls import path

from bastion.accounts import views

urlpatterns = [
    path("invitation/<str:token>/", views.invitation, name="account_invitation"),
    path("email/", views.email_change_refused, name="account_email"),
    path("unlock/", views.unlock, name="account_unlock"),
    path("idle/status/", views.idle_status, name="account_idle_status"),
    path("idle/ping/", views.idle_ping, name="account_idle_ping"),
]
