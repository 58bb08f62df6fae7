"""Secure disposal (T14, T15): approved contractors, disposal batches, certificates of secure
deletion, completing a batch, and the evidence export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from bastion.core import audit, files
from bastion.core.models import StoredFile
from bastion.core.tenancy import get_for_school, school_view
from bastion.equipment import disposal
from bastion.equipment.forms.disposal import BatchForm, CertificateForm, ContractorForm, ExportForm
from bastion.equipment.models import Contractor, Device, DisposalBatch, DisposalItem
from bastion.lib.dates import long_date, long_datetime
from bastion.lib.exports import Table, table_response
from bastion.lib.forms import posted


def _frozen(request, batch):
    messages.error(request, disposal.FROZEN)
    return redirect("disposal-detail", school=request.school.slug, pk=batch.pk)


def _batch(school, pk) -> DisposalBatch:
    return get_for_school(
        DisposalBatch.objects.select_related("contractor", "created_by"), school, pk=pk
    )


# Contractors -----------------------------------------------------------------------------------


@school_view("equipment.view")
def contractor_list(request):
    school = request.school
    contractors = Contractor.objects.filter(school=school).annotate(batch_count=Count("batches"))
    return render(
        request,
        "equipment/contractor_list.html",
        {"school": school, "contractors": contractors},
    )


@school_view("equipment.edit")
def contractor_add(request):
    school = request.school
    form = ContractorForm(posted(request), school=school)
    if request.method == "POST" and form.is_valid():
        contractor = disposal.contractor_create(
            actor=request.user, school=school, data=form.cleaned_data, request=request
        )
        messages.success(request, f"{contractor.name} is on the list of approved contractors.")
        return redirect("contractor-list", school=school.slug)
    return render(
        request,
        "equipment/contractor_form.html",
        {"school": school, "form": form, "title": "Add a disposal contractor"},
    )


@school_view("equipment.edit")
def contractor_edit(request, pk):
    school = request.school
    contractor = get_for_school(Contractor, school, pk=pk)
    form = ContractorForm(
        posted(request), instance=Contractor.objects.get(pk=contractor.pk), school=school
    )
    if request.method == "POST" and form.is_valid():
        disposal.contractor_update(
            actor=request.user,
            school=school,
            contractor=contractor,
            data=form.cleaned_data,
            request=request,
        )
        messages.success(request, f"{contractor.name} is saved.")
        return redirect("contractor-list", school=school.slug)
    return render(
        request,
        "equipment/contractor_form.html",
        {"school": school, "form": form, "title": contractor.name, "contractor": contractor},
    )


# Batches ---------------------------------------------------------------------------------------

PAGE_SIZE = 25


@school_view("equipment.view")
def disposal_list(request):
    school = request.school
    lacking = Q(items__device__holds_personal_data=True) & (
        Q(items__certificate_number="") | Q(items__certificate__isnull=True)
    )
    batches = (
        DisposalBatch.objects.filter(school=school)
        .select_related("contractor")
        .annotate(device_count=Count("items"), lacking_count=Count("items", filter=lacking))
        .order_by("status", "-created_at", "-pk")
    )
    page = Paginator(batches, PAGE_SIZE).get_page(request.GET.get("page"))
    waiting = Device.objects.filter(
        school=school, status=Device.Status.AWAITING_DISPOSAL, disposal__isnull=True
    ).count()
    return render(
        request,
        "equipment/disposal_list.html",
        {"school": school, "page": page, "waiting": waiting},
    )


def _save_batch(request, form, batch=None):
    """Run the service for a valid form; the batch, or None with the refusal on the form."""
    data = {k: form.cleaned_data[k] for k in disposal.BATCH_FIELDS}
    devices = form.cleaned_data["devices"]
    common = {"actor": request.user, "school": request.school, "request": request}
    try:
        if batch is None:
            return disposal.batch_create(data=data, devices=devices, **common)
        return disposal.batch_update(batch=batch, data=data, devices=devices, **common)
    except ValidationError as exc:
        if getattr(exc, "code", None) == "frozen":
            raise
        form.add_error(None, exc)
        return None


@school_view("equipment.edit")
def disposal_add(request):
    school = request.school
    initial = {}
    chosen = request.GET.get("device", "")
    if chosen.isascii() and chosen.isdigit() and len(chosen) < 12:
        initial["devices"] = [int(chosen)]
    form = BatchForm(posted(request), initial=initial, school=school)
    if request.method == "POST" and form.is_valid():
        batch = _save_batch(request, form)
        if batch is not None:
            messages.success(request, f"Disposal {batch.number} is started.")
            return redirect("disposal-detail", school=school.slug, pk=batch.pk)
    return render(
        request,
        "equipment/disposal_form.html",
        {
            "school": school,
            "form": form,
            "title": "Start a disposal",
            "has_contractors": Contractor.objects.filter(school=school, approved=True).exists(),
        },
    )


@school_view("equipment.edit")
def disposal_edit(request, pk):
    school = request.school
    batch = _batch(school, pk)
    if batch.status != DisposalBatch.Status.OPEN:
        return _frozen(request, batch)
    initial = {
        "contractor": batch.contractor_id,
        "collected_on": batch.collected_on,
        "waste_transfer_note": batch.waste_transfer_note,
        "devices": list(batch.items.values_list("device_id", flat=True)),
    }
    form = BatchForm(posted(request), initial=initial, school=school, batch=batch)
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save_batch(request, form, batch)
        except ValidationError:
            return _frozen(request, batch)
        if saved is not None:
            messages.success(request, f"Disposal {batch.number} is saved.")
            return redirect("disposal-detail", school=school.slug, pk=batch.pk)
    return render(
        request,
        "equipment/disposal_form.html",
        {
            "school": school,
            "form": form,
            "batch": batch,
            "title": f"Change disposal {batch.number}",
            "has_contractors": True,
        },
    )


NOT_CONFIRMED = "Tick the box to confirm the devices were collected and the record is right."


def _detail(request, batch, refused=None, unconfirmed=False, status=200):
    items = list(disposal.batch_items(batch))
    if batch.status == DisposalBatch.Status.OPEN:
        loans = disposal.open_loans([i.device for i in items])
        for item in items:
            item.loan = loans.get(item.device_id)
    return render(
        request,
        "equipment/disposal_detail.html",
        {
            "school": request.school,
            "batch": batch,
            "items": items,
            "refused": refused,
            "unconfirmed": NOT_CONFIRMED if unconfirmed else "",
            "may_edit": request.access.can("equipment.edit")
            and batch.status == DisposalBatch.Status.OPEN,
        },
        status=status,
    )


@school_view("equipment.view")
def disposal_detail(request, pk):
    return _detail(request, _batch(request.school, pk))


@school_view("equipment.edit", methods=("POST",))
def disposal_complete(request, pk):
    school = request.school
    batch = _batch(school, pk)
    if batch.status != DisposalBatch.Status.OPEN:
        return _frozen(request, batch)
    # Completing freezes the record and disposes of every device in it: asked once more.
    if request.POST.get("confirm") != "yes":
        return _detail(request, batch, unconfirmed=True)
    try:
        disposal.batch_complete(actor=request.user, school=school, batch=batch, request=request)
    except ValidationError as exc:
        if getattr(exc, "code", None) == "frozen":
            return _frozen(request, batch)
        return _detail(request, batch, refused=exc.messages)
    messages.success(request, f"Disposal {batch.number} is completed: its devices are disposed of.")
    return redirect("disposal-detail", school=school.slug, pk=batch.pk)


def _item(school, pk, item, *related) -> DisposalItem:
    items = DisposalItem.objects.select_related("batch", "device", *related)
    return get_for_school(items, school, pk=item, batch_id=pk)


@school_view("equipment.edit")
def disposal_item_certificate(request, pk, item):
    school = request.school
    item = _item(school, pk, item)
    if item.batch.status != DisposalBatch.Status.OPEN:
        return _frozen(request, item.batch)
    form = CertificateForm(
        posted(request),
        request.FILES if request.method == "POST" else None,
        initial={"certificate_number": item.certificate_number},
        has_file=bool(item.certificate_id),
    )
    if request.method == "POST" and form.is_valid():
        try:
            disposal.item_certify(
                actor=request.user,
                school=school,
                item=item,
                number=form.cleaned_data["certificate_number"],
                upload=form.cleaned_data["file"] or None,
                request=request,
            )
        except ValidationError as exc:
            if getattr(exc, "code", None) == "frozen":
                return _frozen(request, item.batch)
            form.add_error("file", exc)
        else:
            device = disposal.device_label(item.device)
            messages.success(request, f"The certificate for {device} is saved.")
            return redirect("disposal-detail", school=school.slug, pk=item.batch_id)
    if item.certificate_id:
        item.certificate = StoredFile.objects.defer("ciphertext").get(pk=item.certificate_id)
    return render(
        request,
        "equipment/disposal_certificate.html",
        {"school": school, "item": item, "batch": item.batch, "form": form},
    )


@school_view("equipment.view")
def disposal_certificate_download(request, pk, item):
    item = _item(request.school, pk, item, "certificate")
    if item.certificate is None:
        raise Http404("No certificate has been uploaded for this device.")
    return files.download(request, item.certificate)


@school_view("equipment.view")
def disposal_export(request, pk):
    school = request.school
    batch = _batch(school, pk)
    form = ExportForm(posted(request), initial={"format": "xlsx"})
    if request.method != "POST" or not form.is_valid():
        return render(
            request,
            "equipment/disposal_export.html",
            {"school": school, "batch": batch, "form": form},
        )
    fmt = form.cleaned_data["format"]
    password = form.cleaned_data["password"] or None
    items = list(disposal.batch_items(batch))
    table = evidence_table(school, batch, items, by=request.user)
    stamp = timezone.localdate().isoformat()
    response = table_response(
        table, fmt, f"disposal-{school.slug}-{batch.number}-{stamp}", password
    )
    # Audited once the file is made: a failed export is not an export.
    audit.record(
        "disposal.exported",
        actor=request.user,
        school=school,
        obj=batch,
        request=request,
        changes={"format": fmt, "password_protected": bool(password), "devices": len(items)},
    )
    return response


# Evidence --------------------------------------------------------------------------------------

EXPORT_HEADERS = [
    "Kind",
    "Make",
    "Model",
    "Serial number",
    "Asset tag",
    "Held data",
    "Certificate of secure deletion",
    "Certificate file",
]


def evidence_table(school, batch: DisposalBatch, items, *, by) -> Table:
    """The disposal record as evidence: who collected what, when, under which transfer note."""
    contractor = batch.contractor
    registrations = f"waste carrier registration {contractor.waste_carrier_registration}"
    if contractor.weee_permit:
        registrations += f"; WEEE permit or exemption {contractor.weee_permit}"
    collected = long_date(batch.collected_on) if batch.collected_on else "not recorded"
    if batch.status == DisposalBatch.Status.COMPLETED:
        state = f"Completed {long_datetime(batch.completed_at)}."
    else:
        state = "NOT COMPLETED: still being prepared."
    when = timezone.localtime()
    return Table(
        title=f"Disposal {batch.number} of {school.name}",
        sheet="Disposal record",
        subtitle=(
            f"Contractor: {contractor.name} ({registrations}). Collected on {collected}. "
            f"Waste transfer note: {batch.waste_transfer_note or 'not recorded'}. {state} "
            f"Exported {long_datetime(when)} by {by.get_full_name() or by.email}."
        ),
        headers=EXPORT_HEADERS,
        rows=[
            [
                item.device.get_kind_display(),
                item.device.make,
                item.device.model,
                item.device.serial,
                item.device.asset_tag,
                "Yes" if item.device.holds_personal_data else "No",
                item.certificate_number or ("MISSING" if item.needs_certificate else "Not needed"),
                item.certificate.name if item.certificate_id else "",
            ]
            for item in items
        ],
        widths=[16, 14, 18, 18, 12, 9, 22, 26],
    )


urlpatterns = [
    path("contractors/", contractor_list, name="contractor-list"),
    path("contractors/add/", contractor_add, name="contractor-add"),
    path("contractors/<int:pk>/", contractor_edit, name="contractor-edit"),
    path("disposals/", disposal_list, name="disposal-list"),
    path("disposals/add/", disposal_add, name="disposal-add"),
    path("disposals/<int:pk>/", disposal_detail, name="disposal-detail"),
    path("disposals/<int:pk>/edit/", disposal_edit, name="disposal-edit"),
    path("disposals/<int:pk>/complete/", disposal_complete, name="disposal-complete"),
    path("disposals/<int:pk>/export/", disposal_export, name="disposal-export"),
    path(
        "disposals/<int:pk>/devices/<int:item>/certificate/",
        disposal_item_certificate,
        name="disposal-item-certificate",
    ),
    path(
        "disposals/<int:pk>/devices/<int:item>/certificate/file/",
        disposal_certificate_download,
        name="disposal-certificate-download",
    ),
]
