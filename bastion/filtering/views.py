"""The filtering and monitoring register's pages.

Besides the roles in the permissions table, the named senior leader may see the register and
record checks and reviews: the DfE standard makes them responsible for it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from bastion.core import files
from bastion.core.tenancy import get_for_school, school_view
from bastion.filtering import register
from bastion.filtering.forms import CheckForm, DecisionForm, ProviderForm, SetupForm
from bastion.filtering.models import Check, Decision, Provider
from bastion.lib.forms import posted

PAGE_SIZE = 50


def _require(request, action: str) -> None:
    """The role's permission, or being the named senior leader."""
    if request.access.can(action) or register.is_named_leader(request.user, request.school):
        return
    raise PermissionDenied("Your role in this school does not allow this.")


@school_view("school.view")
def filtering_overview(request):
    _require(request, "filtering.view")
    school = request.school
    setup = register.setup_for(school)
    today = timezone.localdate()
    context = {
        "school": school,
        "setup": setup,
        "due": register.due(school, setup.check_every_days, today),
        "providers": list(Provider.objects.filter(school=school)),
        "checks": list(Check.objects.filter(school=school).select_related("checked_by")[:5]),
        "decisions": list(
            Decision.objects.filter(school=school).select_related("recorded_by")[:10]
        ),
        "may_edit": request.access.can("filtering.edit"),
        "today": today,
    }
    return render(request, "filtering/overview.html", context)


@school_view("filtering.edit")
def filtering_setup(request):
    school = request.school
    form = SetupForm(posted(request), instance=register.setup_for(school), school=school)
    if request.method == "POST" and form.is_valid():
        try:
            register.setup_save(
                actor=request.user, school=school, data=form.cleaned_data, request=request
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Who is responsible, and how monitoring works, is saved.")
            return redirect("filtering-overview", school=school.slug)
    context = {"school": school, "form": form, "title": "Who is responsible, and monitoring"}
    return render(request, "filtering/_form.html", context)


def _provider_form(request, provider: Provider | None):
    school = request.school
    instance = Provider.objects.get(pk=provider.pk) if provider else Provider(school=school)
    form = ProviderForm(posted(request), instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            saved = register.provider_save(
                actor=request.user,
                school=school,
                data=form.cleaned_data,
                provider=provider,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"The provider {saved} is saved.")
            return redirect("filtering-overview", school=school.slug)
    title = f"Change {provider}" if provider else "Add a filtering or monitoring provider"
    context = {"school": school, "form": form, "title": title}
    return render(request, "filtering/_form.html", context)


@school_view("filtering.edit")
def provider_add(request):
    return _provider_form(request, None)


@school_view("filtering.edit")
def provider_edit(request, pk):
    return _provider_form(request, get_for_school(Provider, request.school, pk=pk))


@school_view("filtering.view")
def decision_list(request):
    school = request.school
    rows = Decision.objects.filter(school=school).select_related("recorded_by")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"school": school, "page": page, "may_edit": request.access.can("filtering.edit")}
    return render(request, "filtering/decision_list.html", context)


@school_view("filtering.edit")
def decision_add(request):
    school = request.school
    form = DecisionForm(posted(request), initial={"decided_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            decision = register.decision_record(
                actor=request.user, school=school, data=form.cleaned_data, request=request
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{decision} is recorded.")
            return redirect("filtering-decisions", school=school.slug)
    context = {
        "school": school,
        "form": form,
        "title": "Record a site or category blocked or allowed",
    }
    return render(request, "filtering/_form.html", context)


@school_view("school.view")
def check_list(request):
    _require(request, "filtering.view")
    school = request.school
    rows = Check.objects.filter(school=school).select_related("checked_by", "evidence")
    rows = rows.defer("evidence__ciphertext")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "filtering/check_list.html", {"school": school, "page": page})


@school_view("school.view")
def check_add(request):
    _require(request, "filtering.edit")
    school = request.school
    kind = Check.Kind.REVIEW if request.GET.get("kind") == "review" else Check.Kind.CHECK
    initial = {"checked_on": timezone.localdate(), "kind": kind}
    form = CheckForm(posted(request), request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            check = register.check_record(
                actor=request.user,
                school=school,
                data=data,
                upload=data.get("evidence"),
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            day, what = check.checked_on, check.get_kind_display().lower()
            messages.success(
                request,
                f"The {what} of {day.day} {day:%B %Y} is recorded.",
            )
            return redirect("filtering-overview", school=school.slug)
    context = {"school": school, "form": form, "title": "Record a check or review"}
    return render(request, "filtering/check_form.html", context)


@school_view("school.view")
def check_evidence(request, pk):
    _require(request, "filtering.view")
    check = get_for_school(Check.objects.select_related("evidence"), request.school, pk=pk)
    if check.evidence is None:
        raise Http404("No evidence was uploaded for this check.")
    return files.download(request, check.evidence)


urlpatterns = [
    path("filtering/", filtering_overview, name="filtering-overview"),
    path("filtering/setup/", filtering_setup, name="filtering-setup"),
    path("filtering/providers/add/", provider_add, name="filtering-provider-add"),
    path("filtering/providers/<int:pk>/edit/", provider_edit, name="filtering-provider-edit"),
    path("filtering/decisions/", decision_list, name="filtering-decisions"),
    path("filtering/decisions/add/", decision_add, name="filtering-decision-add"),
    path("filtering/checks/", check_list, name="filtering-checks"),
    path("filtering/checks/add/", check_add, name="filtering-check-add"),
    path("filtering/checks/<int:pk>/evidence/", check_evidence, name="filtering-check-evidence"),
]
