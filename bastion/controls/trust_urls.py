"""A trust's pages, under /trust/<slug:trust>/."""

from bastion.controls.trust_views import urlpatterns  # noqa: F401
