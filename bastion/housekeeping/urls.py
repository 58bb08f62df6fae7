from bastion.housekeeping.views import urlpatterns  # noqa: F401
