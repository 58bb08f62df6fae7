from bastion.controls.views import urlpatterns  # noqa: F401
