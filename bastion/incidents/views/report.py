"""Reporting an incident: open to every member of staff, quick on a phone, and nothing lost.

The form carries a one-time key (a double submit finds the first report) and saves a draft to
the server while the reporter types (never to the browser's storage).
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from bastion.core.tenancy import get_for_school, school_view
from bastion.incidents import services
from bastion.incidents.forms import ReportForm, devices_for
from bastion.incidents.models import Incident, Kind

DRAFT_FIELDS = (*ReportForm.base_fields, "submission_key")


def _initial(request, school, draft) -> dict:
    now = timezone.localtime().replace(second=0, microsecond=0)
    initial = {"submission_key": uuid.uuid4(), "discovered_at": now}
    if draft is not None:
        initial |= draft.data
    # From the equipment register ("report this device lost"): another school's device is 404.
    if device := request.GET.get("device"):
        initial["device"] = get_for_school(devices_for(school), school, pk=device).pk
    if request.GET.get("kind") in Kind.values:
        initial["kind"] = request.GET["kind"]
    return initial


@school_view("incidents.report")
def incident_report(request):
    school = request.school
    draft = None
    if request.method == "POST":
        form = ReportForm(request.POST, school=school)
        if form.is_valid():
            try:
                incident, created = services.incident_report(
                    actor=request.user,
                    school=school,
                    data=form.report_data(),
                    submission_key=form.cleaned_data["submission_key"],
                    request=request,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if not created:
                    messages.info(request, f"This report was already sent as {incident.reference}.")
                return redirect("incident-reported", school=school.slug, pk=incident.pk)
    else:
        draft = services.draft_restore(actor=request.user, school=school)
        form = ReportForm(initial=_initial(request, school, draft), school=school)
    context = {
        "school": school,
        "form": form,
        "draft": draft,
        "handlers": services.handlers(school),
    }
    return render(request, "incidents/report_form.html", context)


@school_view("incidents.report")
def incident_draft(request):
    """htmx saves the form here as the reporter types; `discard` deletes the draft."""
    school = request.school
    if request.method != "POST":
        return redirect("incident-report", school=school.slug)
    if request.POST.get("discard"):
        services.draft_discard(actor=request.user, school=school)
        messages.success(request, "The draft is deleted.")
        return redirect("incident-report", school=school.slug)
    draft = services.draft_save(
        actor=request.user, school=school, data=request.POST, fields=DRAFT_FIELDS
    )
    return render(request, "incidents/report_form.html#draft-status", {"draft": draft})


def _own_or_handled(request, pk) -> Incident:
    """An incident the user reported, or any of the school's if they handle incidents; 404
    otherwise, exactly as for another school's."""
    incident = get_for_school(Incident, request.school, pk=pk)
    if incident.reporter_id != request.user.pk and not request.access.can("incidents.handle"):
        raise Http404("Not found.")
    return incident


@school_view("incidents.report")
def incident_reported(request, pk):
    incident = _own_or_handled(request, pk)
    context = {
        "school": request.school,
        "incident": incident,
        "handlers": services.handlers(request.school),
    }
    return render(request, "incidents/report_done.html", context)


@school_view("incidents.report")
def incident_mine(request):
    incidents = Incident.objects.filter(school=request.school, reporter=request.user).only(
        "reference", "kind", "reported_at", "status", "school_id"
    )
    page = Paginator(incidents, 50).get_page(request.GET.get("page"))
    return render(request, "incidents/report_mine.html", {"school": request.school, "page": page})


urlpatterns = [
    path("incidents/report/", incident_report, name="incident-report"),
    path("incidents/report/draft/", incident_draft, name="incident-draft"),
    path("incidents/mine/", incident_mine, name="incident-mine"),
    path("incidents/<int:pk>/reported/", incident_reported, name="incident-reported"),
]
