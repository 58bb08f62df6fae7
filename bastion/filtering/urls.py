from bastion.filtering.views import urlpatterns  # noqa: F401
