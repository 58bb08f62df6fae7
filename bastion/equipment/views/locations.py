"""Locations (T10, T11): rooms, cabinets and safes, what they may hold, and their checks."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from bastion.core.tenancy import get_for_school, school_view
from bastion.equipment import locations
from bastion.equipment.forms.devices import (
    LocationCheckForm,
    LocationFilterForm,
    LocationForm,
    LocationSettingsForm,
)
from bastion.equipment.models import EquipmentSettings, Location, LocationCheck
from bastion.lib.forms import posted

PAGE_SIZE = 100
RECENT_CHECKS = 20


def _due_on(location: Location, days: int) -> dt.date | None:
    """The date the next check is due (today if never checked); None if it is not checked."""
    if not location.lockable or location.archived or location.is_off_site:
        return None
    last = getattr(location, "last_checked_on", None)
    return last + dt.timedelta(days=days) if last else timezone.localdate()


@school_view("equipment.view")
def location_list(request):
    school = request.school
    form = LocationFilterForm(request.GET or None)
    form.is_valid()
    status = getattr(form, "cleaned_data", {}).get("status") or ""
    days = locations.check_days(school)
    today = timezone.localdate()
    found = Location.objects.filter(school=school)
    if status == "due":
        found = found.filter(locations.check_due_q(days, today))
    elif status == "archived":
        found = found.filter(archived=True)
    elif status != "all":
        found = found.filter(archived=False)
    in_hand = ~Q(devices__status__in=locations.GONE)
    found = found.annotate(device_count=Count("devices", filter=in_hand)).order_by("name", "pk")
    found = locations.with_last_check(found)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for location in page:
        due_on = _due_on(location, days)
        rows.append((location, due_on, due_on is not None and due_on <= today))
    context = {"school": school, "form": form, "page": page, "rows": rows, "days": days}
    return render(request, "equipment/location_list.html", context)


@school_view("equipment.view")
def location_detail(request, pk):
    school = request.school
    location = get_for_school(locations.with_last_check(Location.objects.all()), school, pk=pk)
    days = locations.check_days(school)
    due_on = _due_on(location, days)
    checks = LocationCheck.objects.filter(location=location).select_related("checked_by")
    held = location.devices.exclude(status__in=locations.GONE)
    context = {
        "school": school,
        "location": location,
        "warnings": locations.location_warnings(location),
        "due_on": due_on,
        "overdue": due_on is not None and due_on <= timezone.localdate(),
        "days": days,
        "checks": checks[:RECENT_CHECKS],
        "device_count": held.count(),
    }
    return render(request, "equipment/location_detail.html", context)


def _form_page(request, form, title, cancel, **extra):
    context = {"school": request.school, "form": form, "title": title, "cancel": cancel, **extra}
    return render(request, "equipment/location_form.html", context)


@school_view("equipment.edit")
def location_add(request):
    school = request.school
    form = LocationForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            location = locations.location_create(
                actor=request.user, school=school, data=form.cleaned_data, request=request
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{location} is added to the locations.")
            return redirect("location-detail", school=school.slug, pk=location.pk)
    return _form_page(request, form, "Add a location", "location-list")


@school_view("equipment.edit")
def location_edit(request, pk):
    school = request.school
    location = get_for_school(Location, school, pk=pk)
    form = LocationForm(posted(request), instance=Location.objects.get(pk=location.pk))
    if request.method == "POST" and form.is_valid():
        try:
            locations.location_update(
                actor=request.user,
                school=school,
                location=location,
                data=form.cleaned_data,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{location} is saved.")
            return redirect("location-detail", school=school.slug, pk=location.pk)
    return _form_page(request, form, f"Edit {location}", "location-detail", location=location)


@school_view("equipment.edit")
def location_check(request, pk):
    school = request.school
    location = get_for_school(Location, school, pk=pk)
    form = LocationCheckForm(
        posted(request), initial={"checked_on": timezone.localdate(), "as_expected": "yes"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            locations.location_check_record(
                actor=request.user,
                school=school,
                location=location,
                data=form.cleaned_data,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"The check of {location} is recorded.")
            return redirect("location-detail", school=school.slug, pk=location.pk)
    title = f"Record a check of {location}"
    return _form_page(request, form, title, "location-detail", location=location, button="Record")


@school_view("equipment.edit")
def location_settings(request):
    school = request.school
    row = EquipmentSettings.objects.filter(school=school).first() or EquipmentSettings()
    form = LocationSettingsForm(posted(request), instance=row)
    if request.method == "POST" and form.is_valid():
        locations.location_settings_update(
            actor=request.user, school=school, data=form.cleaned_data, request=request
        )
        messages.success(request, "The period between location checks is saved.")
        return redirect("location-list", school=school.slug)
    return _form_page(request, form, "How often locations are checked", "location-list")


urlpatterns = [
    path("equipment/locations/", location_list, name="location-list"),
    path("equipment/locations/add/", location_add, name="location-add"),
    path("equipment/locations/settings/", location_settings, name="location-settings"),
    path("equipment/locations/<int:pk>/", location_detail, name="location-detail"),
    path("equipment/locations/<int:pk>/edit/", location_edit, name="location-edit"),
    path("equipment/locations/<int:pk>/check/", location_check, name="location-check"),
]
