from bastion.policy.views import urlpatterns

__all__ = ["urlpatterns"]
