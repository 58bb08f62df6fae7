from django.urls import path

from bastion.people.views import directory, imports, scr

urlpatterns = [
    path("people/", directory.person_list, name="person-list"),
    path("people/add/<slug:kind>/", directory.person_add, name="person-add"),
    path("people/<int:pk>/", directory.person_detail, name="person-detail"),
    path("people/<int:pk>/edit/", directory.person_edit, name="person-edit"),
    path("people/<int:pk>/leave/", directory.person_leave, name="person-leave"),
    path("people/import/", imports.import_start, name="people-import"),
    path("people/import/<int:pk>/", imports.import_job, name="people-import-job"),
    path("people/import/<int:pk>/confirm/", imports.import_confirm, name="people-import-confirm"),
    path("people/import/<int:pk>/back/", imports.import_back, name="people-import-back"),
    path("people/import/<int:pk>/undo/", imports.import_undo_view, name="people-import-undo"),
    path("scr/", scr.scr_report, name="scr-report"),
    path("scr/export/", scr.scr_export, name="scr-export"),
    path("scr/settings/", scr.scr_settings, name="scr-settings"),
    path("scr/<int:pk>/", scr.scr_person, name="scr-person"),
    path("scr/<int:pk>/entry/", scr.scr_entry_edit, name="scr-entry-edit"),
    path("scr/<int:pk>/check/<slug:check>/", scr.scr_check_edit, name="scr-check-edit"),
]
