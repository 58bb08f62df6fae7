from bastion.agreements.views import coverage, manage, routes

urlpatterns = [*coverage.urlpatterns, *manage.urlpatterns, *routes.urlpatterns]
