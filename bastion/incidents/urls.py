from bastion.incidents.views import handle, log, report

urlpatterns = [*report.urlpatterns, *handle.urlpatterns, *log.urlpatterns]
