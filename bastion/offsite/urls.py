from bastion.offsite.views import urlpatterns  # noqa: F401
