"""The systems register: list, add, edit, archive, and each system's page with its accounts."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from bastion.core.tenancy import get_for_school, school_view
from bastion.lib.forms import posted
from bastion.systems import passwords, services
from bastion.systems.forms import AccountsAddForm, SystemFilterForm, SystemForm
from bastion.systems.models import Account, RecipientKind, System, Transfer

PAGE_SIZE = 100


def _count(queryset, field: str = "channel") -> Subquery:
    """A correlated count: one subquery per column, never a join that multiplies rows."""
    counted = queryset.filter(**{field: OuterRef("pk")}).order_by().values(field)
    return Coalesce(
        Subquery(counted.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()),
        0,
    )


@school_view("systems.view")
def system_list(request):
    school = request.school
    form = SystemFilterForm(request.GET or None)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    found = System.objects.filter(school=school)
    status = data.get("status") or ""
    if status == "archived":
        found = found.filter(archived=True)
    elif status != "all":
        found = found.filter(archived=False)
    if data.get("kind"):
        found = found.filter(kind=data["kind"])
    if data.get("problem"):
        found = found.filter(services.PROBLEMS[data["problem"]])
    since = timezone.localdate() - dt.timedelta(days=365)
    found = found.select_related("owner").annotate(
        account_count=_count(Account.objects.all(), "system"),
        flagged_count=_count(Transfer.objects.filter(flagged=True, sent_on__gt=since)),
    )
    page = Paginator(found.order_by("name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    labels = dict(RecipientKind.choices)
    rows = [(s, [labels.get(k, k) for k in s.approved_for or []]) for s in page]
    context = {"school": school, "form": form, "page": page, "rows": rows}
    return render(request, "systems/system_list.html", context)


@school_view("systems.view")
def system_detail(request, pk):
    school = request.school
    system = get_for_school(System.objects.select_related("owner"), school, pk=pk)
    today = timezone.localdate()
    accounts = passwords.with_state(
        Account.objects.filter(system=system).select_related("person", "system"), today
    ).order_by("person__last_name", "person__first_name", "pk")
    rows = [(a, passwords.account_state(a, today)) for a in accounts]
    since = today - dt.timedelta(days=365)
    sent = Transfer.objects.filter(school=school, channel=system, sent_on__gt=since).aggregate(
        total=Count("pk"), flagged=Count("pk", filter=Q(flagged=True))
    )
    labels = dict(RecipientKind.choices)
    context = {
        "school": school,
        "system": system,
        "warnings": services.system_warnings(system),
        "approved": [labels.get(k, k) for k in system.approved_for or []],
        "rows": rows,
        "sent": sent,
    }
    return render(request, "systems/system_detail.html", context)


def _form_page(request, form, title, system=None, **extra):
    context = {"school": request.school, "form": form, "title": title, "system": system, **extra}
    return render(request, "systems/system_form.html", context)


@school_view("systems.edit")
def system_add(request):
    school = request.school
    form = SystemForm(posted(request), school=school)
    if request.method == "POST" and form.is_valid():
        try:
            system = services.system_create(
                actor=request.user, school=school, data=form.cleaned_data, request=request
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{system} is added to the systems register.")
            return redirect("system-detail", school=school.slug, pk=system.pk)
    return _form_page(request, form, "Add a system")


@school_view("systems.edit")
def system_edit(request, pk):
    school = request.school
    system = get_for_school(System, school, pk=pk)
    form = SystemForm(posted(request), instance=System.objects.get(pk=system.pk), school=school)
    if request.method == "POST" and form.is_valid():
        try:
            services.system_update(
                actor=request.user,
                school=school,
                system=system,
                data=form.cleaned_data,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{system} is saved.")
            return redirect("system-detail", school=school.slug, pk=system.pk)
    return _form_page(request, form, f"Edit {system}", system)


@school_view("systems.edit", methods=("POST",))
def system_archive(request, pk):
    school = request.school
    system = get_for_school(System, school, pk=pk)
    archived = request.POST.get("archived") != "0"
    services.system_archive(
        actor=request.user, school=school, system=system, archived=archived, request=request
    )
    messages.success(request, f"{system} is {'archived' if archived else 'back in use'}.")
    return redirect("system-detail", school=school.slug, pk=system.pk)


@school_view("systems.edit")
def accounts_add(request, pk):
    school = request.school
    system = get_for_school(System, school, pk=pk)
    held = Account.objects.filter(system=system).values("person")
    people = services.staff_people(school).exclude(pk__in=held)
    form = AccountsAddForm(posted(request), people=people)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.accounts_add(
                actor=request.user,
                school=school,
                system=system,
                people=form.cleaned_data["people"],
                since=form.cleaned_data["since"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, f"{len(added)} account{'s' if len(added) != 1 else ''} added on {system}."
            )
            return redirect("system-detail", school=school.slug, pk=system.pk)
    return _form_page(
        request, form, f"Add accounts on {system}", system, button="Add accounts", none=not people
    )


@school_view("systems.edit", methods=("POST",))
def account_remove(request, pk):
    school = request.school
    account = get_for_school(Account.objects.select_related("system", "person"), school, pk=pk)
    services.account_remove(actor=request.user, school=school, account=account, request=request)
    messages.success(request, f"{account.person}'s account on {account.system} is removed.")
    if request.POST.get("back") == "person":
        return redirect("system-person", school=school.slug, pk=account.person_id)
    return redirect("system-detail", school=school.slug, pk=account.system_id)


urlpatterns = [
    path("systems/", system_list, name="system-list"),
    path("systems/add/", system_add, name="system-add"),
    path("systems/<int:pk>/", system_detail, name="system-detail"),
    path("systems/<int:pk>/edit/", system_edit, name="system-edit"),
    path("systems/<int:pk>/archive/", system_archive, name="system-archive"),
    path("systems/<int:pk>/accounts/add/", accounts_add, name="system-accounts-add"),
    path("systems/accounts/<int:pk>/remove/", account_remove, name="account-remove"),
]
