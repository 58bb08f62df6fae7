"""The data transfers log: staff record what they sent; the DPO, SIRO and office see it all."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from bastion.core.tenancy import get_for_school, school_view
from bastion.lib.forms import posted
from bastion.systems import transfers
from bastion.systems.forms import TransferFilterForm, TransferForm

PAGE_SIZE = 50


@school_view("transfers.record")
def transfer_list(request):
    school = request.school
    form = TransferFilterForm(request.GET or None)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    found = transfers.visible_to(request.access, request.user, school)
    if data.get("flagged"):
        found = found.filter(flagged=True)
    if data.get("recipient_kind"):
        found = found.filter(recipient_kind=data["recipient_kind"])
    found = found.select_related("channel", "sent_by").order_by("-sent_on", "-pk")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "school": school,
        "form": form,
        "page": page,
        "all": request.access.can("transfers.view_all"),
    }
    return render(request, "systems/transfer_list.html", context)


@school_view("transfers.record")
def transfer_add(request):
    school = request.school
    for_others = request.access.can("transfers.view_all")
    form = TransferForm(
        posted(request),
        school=school,
        user=request.user,
        for_others=for_others,
        initial={"sent_on": timezone.localdate(), "sent_by": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        try:
            transfer = transfers.transfer_record(
                actor=request.user,
                school=school,
                access=request.access,
                data=form.cleaned_data,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if transfer.flagged:
                messages.warning(
                    request,
                    "The transfer is recorded and flagged: its channel is not approved for "
                    "this kind of recipient. The DPO has been told.",
                )
            else:
                messages.success(request, "The transfer is recorded.")
            return redirect("transfer-detail", school=school.slug, pk=transfer.pk)
    context = {"school": school, "form": form, "title": "Record a data transfer"}
    return render(request, "systems/transfer_form.html", context)


@school_view("transfers.record")
def transfer_detail(request, pk):
    school = request.school
    visible = transfers.visible_to(request.access, request.user, school)
    transfer = get_for_school(
        visible.select_related("channel", "sent_by", "recorded_by"), school, pk=pk
    )
    return render(request, "systems/transfer_detail.html", {"school": school, "transfer": transfer})


urlpatterns = [
    path("transfers/", transfer_list, name="transfer-list"),
    path("transfers/add/", transfer_add, name="transfer-add"),
    path("transfers/<int:pk>/", transfer_detail, name="transfer-detail"),
]
