"""Accounts seen from a person (which systems they hold an account on), and the accounts import
(upload, preview, import)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from bastion.core.tenancy import get_for_school, school_view
from bastion.lib.forms import posted
from bastion.people.import_files import ImportRefused
from bastion.people.models import Person
from bastion.systems import account_import, passwords, services
from bastion.systems.forms import AccountImportForm, PersonAccountForm
from bastion.systems.models import Account, System

PREVIEW_ROWS = 50


@school_view("systems.view")
def system_person(request, pk):
    """One person's accounts, with their password changes; add an account on another system."""
    school = request.school
    person = get_for_school(Person, school, pk=pk)
    today = timezone.localdate()
    accounts = passwords.with_state(
        Account.objects.filter(person=person).select_related("system"), today
    ).order_by("system__name", "pk")
    held = [a.system_id for a in accounts]
    systems = System.objects.filter(school=school, archived=False).exclude(pk__in=held)
    form = None
    if request.access.can("systems.edit"):
        form = PersonAccountForm(posted(request), systems=systems)
        if request.method == "POST" and form.is_valid():
            try:
                services.accounts_add(
                    actor=request.user,
                    school=school,
                    system=form.cleaned_data["system"],
                    people=[person],
                    since=form.cleaned_data["since"],
                    request=request,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                system = form.cleaned_data["system"]
                messages.success(request, f"{person} now has an account on {system}.")
                return redirect("system-person", school=school.slug, pk=person.pk)
    elif request.method == "POST":
        return redirect("system-person", school=school.slug, pk=person.pk)
    context = {
        "school": school,
        "person": person,
        "rows": [(a, passwords.account_state(a, today)) for a in accounts],
        "form": form,
    }
    return render(request, "systems/system_person.html", context)


@school_view("systems.edit")
def account_import_view(request):
    """Upload a file, see what it would add, then import it (the file travels encrypted)."""
    school = request.school
    errors, plan, token = [], None, ""
    form = AccountImportForm()
    if request.method == "POST" and request.POST.get("token"):
        try:
            plan = account_import.account_import(
                actor=request.user, school=school, token=request.POST["token"], request=request
            )
        except ImportRefused as refused:
            errors = refused.errors
        else:
            messages.success(request, f"The accounts are imported: {plan}.")
            return redirect("system-list", school=school.slug)
    elif request.method == "POST":
        form = AccountImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > account_import.MAX_BYTES:  # refused before it is read
                errors = ["The file is larger than 1 MB; an accounts list never needs that much."]
            else:
                try:
                    plan, token = account_import.preview(
                        school=school, filename=upload.name, data=upload.read()
                    )
                except ImportRefused as refused:
                    errors = refused.errors
    context = {
        "school": school,
        "form": form,
        "errors": errors,
        "plan": plan,
        "token": token,
        "sample": plan.new[:PREVIEW_ROWS] if plan else [],
        "labels": account_import.LABELS,
    }
    return render(request, "systems/account_import.html", context)


urlpatterns = [
    path("systems/people/<int:pk>/", system_person, name="system-person"),
    path("systems/accounts/import/", account_import_view, name="account-import"),
]
