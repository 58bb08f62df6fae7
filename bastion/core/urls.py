from django.urls import path

from bastion.core import views

urlpatterns = [
    path("", views.school_home, name="school-home"),
    path("settings/", views.school_settings, name="school-settings"),
    path("members/", views.member_list, name="member-list"),
    path("members/invite/", views.member_invite, name="member-invite"),
    path("members/<int:pk>/", views.member_edit, name="member-edit"),
    path("members/<int:pk>/deactivate/", views.member_deactivate_view, name="member-deactivate"),
    path("audit/", views.audit_log, name="audit-log"),
]
