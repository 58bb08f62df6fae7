from bastion.agreements.views import public

urlpatterns = public.urlpatterns
