from django.urls import include, path

from bastion.core import views as core_views
from bastion.notify import views as notify_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("about/", core_views.about, name="about"),
    path("tasks/", notify_views.my_tasks, name="my-tasks"),
    path("accounts/", include("bastion.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("s/<slug:school>/", include("bastion.core.urls")),
    path("s/<slug:school>/", include("bastion.people.urls")),
    path("s/<slug:school>/", include("bastion.equipment.urls")),
    path("s/<slug:school>/", include("bastion.incidents.urls")),
]
