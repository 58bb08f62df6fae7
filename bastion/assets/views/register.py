"""The information asset register: list with flags and filters, an asset's page, add, edit,
mark reviewed, archive, and the Excel export. Owners (IAOs) reach only their own assets."""

from __future__ import annotations

import operator
from functools import reduce

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from bastion.assets import export, rules, services
from bastion.assets.forms import AssetForm, ExportForm, FilterForm
from bastion.assets.models import InformationAsset
from bastion.core.tenancy import get_for_school, school_view
from bastion.lib.exports import XLSX_TYPE, download
from bastion.lib.forms import posted
from bastion.people.models import Person

PAGE_SIZE = 25


def filtered(assets, form: FilterForm, found: dict):
    form.is_valid()  # a bad value in one filter (an old link, a typo) is ignored, not a 500
    data = getattr(form, "cleaned_data", {})
    flag = data.get("flag") or ""
    if flag == "archived":
        assets = assets.filter(archived_on__isnull=False)
    else:
        assets = assets.filter(rules.current_q())
    if flag == "any":
        assets = assets.filter(reduce(operator.or_, found.values()))
    elif flag in found:
        assets = assets.filter(found[flag])
    if data.get("risk"):
        assets = assets.filter(risk=data["risk"])
    if data.get("owner") == "none":
        assets = assets.filter(owner__isnull=True)
    elif data.get("owner"):
        assets = assets.filter(owner_id=data["owner"])
    for word in (data.get("q") or "").split()[:4]:
        assets = assets.filter(Q(name__icontains=word) | Q(reference__istartswith=word))
    assets = assets.select_related("owner", "system", "location").order_by("name", "pk")
    return rules.with_flags(assets, found)


def _owners(assets) -> list[tuple[int, str]]:
    """The people who own some of these assets, for the owner filter: one query."""
    people = Person.objects.filter(pk__in=assets.values("owner_id")).order_by(
        "last_name", "first_name", "pk"
    )
    return [
        (pk, f"{first} {last}")
        for pk, first, last in people.values_list("pk", "first_name", "last_name")
    ]


@school_view("assets.own")
def asset_list(request):
    school = request.school
    assets = services.visible_to(request)
    form = FilterForm(request.GET or None, owners=_owners(assets))
    found = rules.rules()
    page = Paginator(filtered(assets, form, found), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(asset, rules.flagged(asset)) for asset in page]
    everyone = request.access.can("assets.view")
    context = {"school": school, "form": form, "page": page, "rows": rows, "everyone": everyone}
    if request.headers.get("HX-Request"):
        return render(request, "assets/asset_list.html#results", context)
    counts = rules.counts(assets, found)
    context["flags"] = [(flag, counts[flag.key]) for flag in rules.FLAGS]
    return render(request, "assets/asset_list.html", context)


def _asset(request, pk) -> InformationAsset:
    """An asset the user may see (404 otherwise: an owner never learns of others' assets)."""
    assets = services.visible_to(request).select_related("owner", "system", "location")
    return get_for_school(rules.with_flags(assets, rules.rules()), request.school, pk=pk)


def _changeable(request, pk) -> InformationAsset:
    asset = _asset(request, pk)
    if not services.may_change(request, asset):
        raise PermissionDenied("Only the asset's owner and the keepers of the register change it.")
    return asset


@school_view("assets.own")
def asset_detail(request, pk):
    asset = _asset(request, pk)
    context = {
        "school": request.school,
        "asset": asset,
        "flags": rules.flagged(asset),
        "may_change": services.may_change(request, asset),
    }
    return render(request, "assets/asset_detail.html", context)


def _save(form, save):
    try:
        return save(form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return None


@school_view("assets.edit")
def asset_add(request):
    school = request.school
    initial = {"last_reviewed_on": timezone.localdate()}
    form = AssetForm(posted(request), school=school, initial=initial)
    if request.method == "POST" and form.is_valid():
        asset = _save(
            form,
            lambda data: services.asset_create(
                actor=request.user, school=school, data=data, request=request
            ),
        )
        if asset is not None:
            messages.success(request, f"{asset} is on the register as {asset.reference}.")
            return redirect("asset-detail", school=school.slug, pk=asset.pk)
    context = {"school": school, "form": form, "title": "Add an information asset"}
    return render(request, "assets/asset_form.html", context)


@school_view("assets.own")
def asset_edit(request, pk):
    school = request.school
    asset = _changeable(request, pk)
    if asset.archived:
        messages.error(request, "An archived asset stays as it was: restore it to change it.")
        return redirect("asset-detail", school=school.slug, pk=asset.pk)
    owner_fixed = not request.access.can("assets.edit")
    # The form edits a copy, so `asset` keeps the values from before for the audit trail.
    form = AssetForm(
        posted(request),
        instance=InformationAsset.objects.get(pk=asset.pk),
        school=school,
        owner_fixed=owner_fixed,
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form,
            lambda data: services.asset_update(
                actor=request.user, school=school, asset=asset, data=data, request=request
            ),
        )
        if saved is not None:
            messages.success(request, f"{saved} is saved.")
            return redirect("asset-detail", school=school.slug, pk=asset.pk)
    context = {
        "school": school,
        "form": form,
        "title": f"Edit {asset}",
        "asset": asset,
        "owner_fixed": owner_fixed,
    }
    return render(request, "assets/asset_form.html", context)


@school_view("assets.own", methods=("POST",))
def asset_review(request, pk):
    school = request.school
    asset = _changeable(request, pk)
    try:
        services.asset_mark_reviewed(
            actor=request.user, school=school, asset=asset, request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{asset} is marked as reviewed today.")
    return redirect("asset-detail", school=school.slug, pk=asset.pk)


@school_view("assets.edit", methods=("POST",))
def asset_archive(request, pk):
    school = request.school
    asset = get_for_school(InformationAsset, school, pk=pk)
    archive = request.POST.get("archive") != "0"
    services.asset_archive(
        actor=request.user, school=school, asset=asset, archive=archive, request=request
    )
    messages.success(
        request,
        f"{asset} is archived: it stays on the register as a record."
        if archive
        else f"{asset} is back on the register.",
    )
    return redirect("asset-detail", school=school.slug, pk=asset.pk)


@school_view("assets.view")
def asset_export(request):
    school = request.school
    form = ExportForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = export.register_export(
            actor=request.user,
            school=school,
            password=form.cleaned_data["password"],
            request=request,
        )
        name = f"information-assets-{school.slug}-{timezone.localdate():%Y-%m-%d}.xlsx"
        return download(data, name, XLSX_TYPE)
    count = InformationAsset.objects.filter(school=school).count()
    context = {"school": school, "form": form, "count": count}
    return render(request, "assets/asset_export.html", context)


urlpatterns = [
    path("assets/", asset_list, name="asset-list"),
    path("assets/add/", asset_add, name="asset-add"),
    path("assets/export/", asset_export, name="asset-export"),
    path("assets/<int:pk>/", asset_detail, name="asset-detail"),
    path("assets/<int:pk>/edit/", asset_edit, name="asset-edit"),
    path("assets/<int:pk>/review/", asset_review, name="asset-review"),
    path("assets/<int:pk>/archive/", asset_archive, name="asset-archive"),
]
