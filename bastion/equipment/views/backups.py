"""The backup register (T12, T13): sets, their flags, restore tests, the 3-2-1 standard."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from bastion.core.tenancy import get_for_school, school_view
from bastion.equipment import backups
from bastion.equipment.forms.backups import BackupSetForm, EquipmentSettingsForm, RestoreTestForm
from bastion.equipment.models import BackupSet
from bastion.lib.forms import posted


@school_view("equipment.view")
def backup_list(request):
    school = request.school
    period = backups.equipment_settings(school).restore_test_days
    today = timezone.localdate()
    sets = list(backups.backup_sets(school))
    rows = [(s, backups.flags(s, period, today)) for s in sets]
    standard = backups.assess_three_two_one([(s.name, s.medium) for s in sets if s.active])
    context = {"school": school, "rows": rows, "standard": standard, "period": period}
    return render(request, "equipment/backup_list.html", context)


@school_view("equipment.view")
def backup_detail(request, pk):
    school = request.school
    backup_set = get_for_school(backups.backup_sets(school), school, pk=pk)
    period = backups.equipment_settings(school).restore_test_days
    context = {
        "school": school,
        "set": backup_set,
        "flags": backups.flags(backup_set, period),
        "period": period,
        "media": backup_set.media.all(),
        "tests": backup_set.restore_tests.select_related("tested_by"),
    }
    return render(request, "equipment/backup_detail.html", context)


@school_view("equipment.edit")
def backup_add(request):
    school = request.school
    form = BackupSetForm(posted(request), school=school)
    if request.method == "POST" and form.is_valid():
        try:
            backup_set = backups.backup_set_create(
                actor=request.user, school=school, data=form.cleaned_data, request=request
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"The backup set {backup_set} is recorded.")
            return redirect("backup-detail", school=school.slug, pk=backup_set.pk)
    context = {"school": school, "form": form, "title": "Add a backup set"}
    return render(request, "equipment/backup_form.html", context)


@school_view("equipment.edit")
def backup_edit(request, pk):
    school = request.school
    backup_set = get_for_school(BackupSet.objects.select_related("location"), school, pk=pk)
    # The form edits a copy, so `backup_set` keeps the values from before for the audit trail.
    copy = BackupSet.objects.get(pk=backup_set.pk)
    form = BackupSetForm(posted(request), instance=copy, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            backups.backup_set_update(
                actor=request.user,
                school=school,
                backup_set=backup_set,
                data=form.cleaned_data,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"The backup set {backup_set} is saved.")
            return redirect("backup-detail", school=school.slug, pk=backup_set.pk)
    context = {"school": school, "form": form, "title": f"Edit {backup_set}", "set": backup_set}
    return render(request, "equipment/backup_form.html", context)


@school_view("equipment.edit")
def restore_add(request, pk):
    school = request.school
    backup_set = get_for_school(BackupSet, school, pk=pk)
    initial = {"tested_on": timezone.localdate()}
    form = RestoreTestForm(posted(request), backup_set=backup_set, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            backups.restore_test_record(
                actor=request.user,
                school=school,
                backup_set=backup_set,
                data=form.cleaned_data,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"The restore test of {backup_set} is recorded.")
            return redirect("backup-detail", school=school.slug, pk=backup_set.pk)
    context = {"school": school, "form": form, "set": backup_set}
    return render(request, "equipment/restore_form.html", context)


@school_view("equipment.edit")
def equipment_settings(request):
    school = request.school
    form = EquipmentSettingsForm(posted(request), instance=backups.equipment_settings(school))
    if request.method == "POST" and form.is_valid():
        backups.equipment_settings_update(
            actor=request.user, school=school, data=form.cleaned_data, request=request
        )
        messages.success(request, "The equipment settings are saved.")
        return redirect("backup-list", school=school.slug)
    return render(request, "equipment/backup_settings.html", {"school": school, "form": form})


urlpatterns = [
    path("backups/", backup_list, name="backup-list"),
    path("backups/add/", backup_add, name="backup-add"),
    path("backups/<int:pk>/", backup_detail, name="backup-detail"),
    path("backups/<int:pk>/edit/", backup_edit, name="backup-edit"),
    path("backups/<int:pk>/restore-tests/add/", restore_add, name="restore-add"),
    path("equipment/settings/", equipment_settings, name="equipment-settings"),
]
