"""The device register: list with the rules' flags and filters, a device's page, add, edit,
report lost or stolen, and the inventory import."""

from __future__ import annotations

import operator
import uuid
from functools import reduce

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path

from bastion.core.models import AuditEvent
from bastion.core.tenancy import get_for_school, school_view
from bastion.equipment import device_import, devices
from bastion.equipment.forms.devices import (
    DeviceFilterForm,
    DeviceForm,
    DeviceImportForm,
    MissingForm,
)
from bastion.equipment.models import Device, DisposalItem, Loan, Location
from bastion.lib.forms import posted
from bastion.people import scr
from bastion.people.import_files import MAX_BYTES, ImportRefused, too_large

PAGE_SIZE = 25  # like the other wide registers: a screenful, and quick at 5,000 devices
Status = Device.Status


def filtered(school, form: DeviceFilterForm, rules: dict):
    found = Device.objects.filter(school=school)
    form.is_valid()  # a bad value in one filter (an old link, a typo) is ignored, not a 500
    data = getattr(form, "cleaned_data", {})
    status = data.get("status") or ""
    if status in Status.values:
        found = found.filter(status=status)
    elif status != "all":
        found = found.exclude(status=Status.DISPOSED)
    if data.get("kind"):
        found = found.filter(kind=data["kind"])
    if data.get("location") == "none":
        found = found.filter(location__isnull=True)
    elif data.get("location"):
        found = found.filter(location_id=data["location"])
    problem = data.get("problem")
    if problem == "any":
        found = found.filter(reduce(operator.or_, rules.values()))
    elif problem in rules:
        found = found.filter(rules[problem])
    for word in (data.get("q") or "").split()[:4]:
        found = found.filter(
            Q(asset_tag__istartswith=word)
            | Q(serial__istartswith=word)
            | Q(make__istartswith=word)
            | Q(model__istartswith=word)
        )
    found = found.select_related("location", "assigned_to", "manager")
    return devices.with_flags(found, rules)


@school_view("equipment.view")
def device_list(request):
    school = request.school
    locations = list(Location.objects.filter(school=school).only("name"))
    form = DeviceFilterForm(request.GET or None, locations=locations)
    rules = devices.rule_qs(school)
    page = Paginator(filtered(school, form, rules), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(device, devices.broken(device)) for device in page]
    context = {"school": school, "form": form, "page": page, "rows": rows}
    if request.headers.get("HX-Request"):
        return render(request, "equipment/device_list.html#results", context)
    counts = devices.problems(school, rules=rules)
    context["problems"] = [(rule, counts[rule.key]) for rule in devices.RULES]
    return render(request, "equipment/device_list.html", context)


def _device(school, pk) -> Device:
    found = Device.objects.select_related("location", "assigned_to", "manager")
    return get_for_school(devices.with_flags(found, devices.rule_qs(school)), school, pk=pk)


@school_view("equipment.view")
def device_detail(request, pk):
    school = request.school
    device = _device(school, pk)
    report = None
    if device.status in devices.MISSING:
        report = (
            AuditEvent.objects.filter(
                school=school,
                action="device.reported_missing",
                object_type="equipment.device",
                object_id=str(device.pk),
            )
            .only("at", "actor_label", "changes")
            .first()
        )
    disposal = (
        DisposalItem.objects.filter(device=device)
        .select_related("batch", "certificate")
        .defer("certificate__ciphertext")
        .first()
    )
    loan = Loan.objects.filter(device=device, returned_on__isnull=True).select_related("borrower")
    context = {
        "school": school,
        "device": device,
        "disposal": disposal,
        "loan": loan.first(),
        "broken": devices.broken(device),
        "manager_clear": device.manager and scr.has_clear_scr(device.manager),
        "report": report,
    }
    return render(request, "equipment/device_detail.html", context)


def _save(form, save):
    """Run the service with the form's data; its refusals land on the form's fields."""
    try:
        return save(form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return None


@school_view("equipment.edit")
def device_add(request):
    school = request.school
    form = DeviceForm(posted(request), school=school)
    if request.method == "POST" and form.is_valid():
        device = _save(
            form,
            lambda data: devices.device_create(
                actor=request.user, school=school, data=data, request=request
            ),
        )
        if device is not None:
            messages.success(request, f"{device} is on the register.")
            return redirect("device-detail", school=school.slug, pk=device.pk)
    return render(
        request,
        "equipment/device_form.html",
        {"school": school, "form": form, "title": "Add a device"},
    )


@school_view("equipment.edit")
def device_edit(request, pk):
    school = request.school
    device = get_for_school(Device, school, pk=pk)
    if device.status == Status.DISPOSED:
        messages.error(
            request, "A disposed device stays on the register as a record: it is not changed."
        )
        return redirect("device-detail", school=school.slug, pk=device.pk)
    title = f"Edit {device}"
    # The service edits the row as it is now (locked), so the form may change this copy.
    form = DeviceForm(posted(request), instance=device, school=school)
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form,
            lambda data: devices.device_update(
                actor=request.user,
                school=school,
                device=device,
                data=data,
                seen=data.get("seen", ""),
                request=request,
            ),
        )
        if saved is not None:
            messages.success(request, f"{saved} is saved.")
            return redirect("device-detail", school=school.slug, pk=device.pk)
        if form.has_error(NON_FIELD_ERRORS, devices.SAVED_SINCE):
            # Told, with what was typed kept: sending it again keeps it.
            form.data = form.data.copy()
            form.data["seen"] = devices.version(Device.objects.get(pk=device.pk))
    context = {"school": school, "form": form, "title": title, "device": device}
    return render(request, "equipment/device_form.html", context)


@school_view("equipment.report_missing")
def device_missing(request):
    """Any member of staff reports a device they hold, know of, or that is not on the register;
    viewers of the register may come from a device's page (?device=<id>). The report is the
    incident's: what happened is typed once."""
    school = request.school
    if request.method == "POST":
        sent = devices.reported_with(request.user, school, request.POST.get("submission_key"))
        if sent is not None:  # sent twice: the device is already gone from the choices
            return redirect("incident-reported", school=school.slug, pk=sent.pk)
    device = None
    if request.access.can("equipment.view") and request.GET.get("device"):
        device = get_for_school(Device, school, pk=request.GET["device"])
    mine = [] if device else list(devices.reportable_by(request.user, school))
    initial = {"submission_key": uuid.uuid4()}
    form = MissingForm(posted(request), school=school, device=device, mine=mine, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            incident = devices.device_report_missing(
                actor=request.user,
                school=school,
                device=None if form.unlisted else form.device,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                description=form.cleaned_data.get("description") or "",
                submission_key=form.cleaned_data["submission_key"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            what = "stolen" if form.cleaned_data["status"] == Status.STOLEN else "lost"
            messages.success(
                request,
                f"The {what} device is reported as incident {incident.reference}. The DPO and "
                "the SIRO have been told by e-mail.",
            )
            return redirect("incident-reported", school=school.slug, pk=incident.pk)
    context = {"school": school, "form": form, "device": device}
    return render(request, "equipment/device_missing.html", context)


@school_view("equipment.edit")
def device_import_view(request):
    school = request.school
    form = DeviceImportForm(posted(request), request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_BYTES:  # refused before a byte of it is read into memory
            errors = [too_large(upload.size)]
        else:
            try:
                result = device_import.device_import(
                    actor=request.user,
                    school=school,
                    filename=upload.name,
                    data=upload.read(),
                    request=request,
                )
            except ImportRefused as refused:
                errors = refused.errors
            else:
                messages.success(request, f"The inventory is imported: {result}.")
                return redirect("device-list", school=school.slug)
    context = {
        "school": school,
        "form": form,
        "errors": errors,
        "columns": device_import.COLUMNS,
    }
    return render(request, "equipment/device_import.html", context)


urlpatterns = [
    path("equipment/devices/", device_list, name="device-list"),
    path("equipment/devices/add/", device_add, name="device-add"),
    path("equipment/devices/missing/", device_missing, name="device-missing"),
    path("equipment/devices/import/", device_import_view, name="device-import"),
    path("equipment/devices/<int:pk>/", device_detail, name="device-detail"),
    path("equipment/devices/<int:pk>/edit/", device_edit, name="device-edit"),
]
