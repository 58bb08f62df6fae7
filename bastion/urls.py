from django.urls import include, path

from bastion.core import views as core_views
from bastion.notify import views as notify_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("about/", core_views.about, name="about"),
    path("tasks/", notify_views.my_tasks, name="my-tasks"),
    path("accounts/", include("bastion.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    # Agreements signed through a single-use link, by people without an account.
    path("sign/", include("bastion.agreements.public_urls")),
    path("s/<slug:school>/", include("bastion.core.urls")),
    path("s/<slug:school>/", include("bastion.people.urls")),
    path("s/<slug:school>/", include("bastion.equipment.urls")),
    path("s/<slug:school>/", include("bastion.incidents.urls")),
    path("s/<slug:school>/", include("bastion.agreements.urls")),
    path("s/<slug:school>/", include("bastion.systems.urls")),
    path("s/<slug:school>/", include("bastion.assets.urls")),
    path("s/<slug:school>/", include("bastion.offsite.urls")),
    path("s/<slug:school>/", include("bastion.housekeeping.urls")),
    path("s/<slug:school>/", include("bastion.filtering.urls")),
    path("s/<slug:school>/", include("bastion.controls.urls")),
    path("s/<slug:school>/", include("bastion.policy.urls")),
    path("trust/<slug:trust>/", include("bastion.controls.trust_urls")),
    path("", include("bastion.backups.urls")),
]
