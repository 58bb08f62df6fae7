from bastion.assets.views import imports, register

urlpatterns = [*register.urlpatterns, *imports.urlpatterns]
