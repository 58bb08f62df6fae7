"""Handling an incident (the DPO and SIRO): assess, decide on the ICO and on telling people,
actions, closure. Reporters see their own report; action owners see their action."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path

from bastion.core.tenancy import get_for_school, school_view
from bastion.incidents import services
from bastion.incidents.clock import clock_for
from bastion.incidents.forms import ActionForm, AssessForm, CloseForm, IcoForm, TellForm
from bastion.incidents.models import Action, Incident
from bastion.lib.forms import posted

Status = Incident.Status


def _incident(request, pk) -> Incident:
    return get_for_school(
        Incident.objects.select_related("device", "reporter", "assessed_by", "closed_by"),
        request.school,
        pk=pk,
    )


def _to_detail(incident: Incident):
    return redirect("incident-detail", school=incident.school.slug, pk=incident.pk)


@school_view("incidents.report")
def incident_detail(request, pk):
    school = request.school
    incident = _incident(request, pk)
    handler = request.access.can("incidents.handle")
    if not handler and incident.reporter_id != request.user.pk:
        raise Http404("Not found.")  # exactly as for another school's incident
    services.incident_viewed(actor=request.user, school=school, incident=incident, request=request)
    context = {"school": school, "incident": incident, "clock": clock_for(incident)}
    if not handler:
        return render(request, "incidents/incident_own.html", context)
    context["actions"] = list(incident.actions.select_related("owner"))
    context["closing_problems"] = services.closing_problems(incident)
    return render(request, "incidents/incident_detail.html", context)


def _decision_page(request, incident, form, template, **extra):
    context = {
        "school": request.school,
        "incident": incident,
        "form": form,
        "clock": clock_for(incident),
    }
    return render(request, f"incidents/{template}", context | extra)


def _closed(request, incident) -> bool:
    if incident.status == Status.CLOSED:
        messages.info(request, "This incident is closed. Reopen it to change it.")
        return True
    return False


@school_view("incidents.handle")
def incident_assess(request, pk):
    incident = _incident(request, pk)
    if _closed(request, incident):
        return _to_detail(incident)
    initial = {
        "likelihood": incident.likelihood,
        "severity": incident.severity,
        "risk_reasoning": incident.risk_reasoning,
        "aware_at": incident.aware_at,
    }
    form = AssessForm(posted(request), initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.incident_assess(
                actor=request.user,
                school=request.school,
                incident=incident,
                likelihood=data["likelihood"],
                severity=data["severity"],
                reasoning=data["risk_reasoning"],
                aware_at=data["aware_at"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Assessed: {incident.get_risk_display().lower()}.")
            return _to_detail(incident)
    return _decision_page(request, incident, form, "incident_assess.html")


def _ico_initial(incident: Incident) -> dict:
    if incident.notify_ico is None:
        decision = None
    elif not incident.notify_ico:
        decision = IcoForm.NOT_NOTIFIABLE
    else:
        decision = IcoForm.NOTIFIED if incident.ico_notified_at else IcoForm.WILL_NOTIFY
    return {
        "decision": decision,
        "ico_reference": incident.ico_reference,
        "ico_notified_at": incident.ico_notified_at,
        "late_reason": incident.late_reason,
        "not_notifiable_reason": incident.not_notifiable_reason,
    }


@school_view("incidents.handle")
def incident_ico(request, pk):
    incident = _incident(request, pk)
    if _closed(request, incident):
        return _to_detail(incident)
    form = IcoForm(posted(request), initial=_ico_initial(incident), incident=incident)
    if form.is_valid():
        data, who = form.cleaned_data, {"actor": request.user, "school": request.school}
        try:
            if data["decision"] == IcoForm.NOTIFIED:
                services.incident_record_notification(
                    **who,
                    incident=incident,
                    reference=data["ico_reference"],
                    notified_at=data["ico_notified_at"],
                    late_reason=data["late_reason"],
                    request=request,
                )
            else:
                services.incident_decide_ico(
                    **who,
                    incident=incident,
                    notify=data["decision"] == IcoForm.WILL_NOTIFY,
                    reason=data["not_notifiable_reason"],
                    request=request,
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "The ICO decision is recorded.")
            return _to_detail(incident)
    return _decision_page(request, incident, form, "incident_ico.html")


@school_view("incidents.handle")
def incident_tell(request, pk):
    incident = _incident(request, pk)
    if _closed(request, incident):
        return _to_detail(incident)
    told = {True: "yes", False: "no"}.get(incident.tell_people)
    initial = {
        "decision": told,
        "people_told_on": incident.people_told_on,
        "people_told_how": incident.people_told_how,
        "not_telling_reason": incident.not_telling_reason,
    }
    form = TellForm(posted(request), initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.incident_tell_people(
                actor=request.user,
                school=request.school,
                incident=incident,
                tell=data["decision"],
                told_on=data["people_told_on"],
                how=data["people_told_how"],
                reason=data["not_telling_reason"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "The decision about telling people is recorded.")
            return _to_detail(incident)
    return _decision_page(request, incident, form, "incident_tell.html")


@school_view("incidents.handle")
def incident_close(request, pk):
    incident = _incident(request, pk)
    if _closed(request, incident):
        return _to_detail(incident)
    initial = {"cause": incident.cause, "lessons": incident.lessons}
    form = CloseForm(posted(request), initial=initial)
    if form.is_valid():
        try:
            services.incident_close(
                actor=request.user,
                school=request.school,
                incident=incident,
                cause=form.cleaned_data["cause"],
                lessons=form.cleaned_data["lessons"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{incident.reference} is closed.")
            return _to_detail(incident)
    problems = services.closing_problems(incident)
    return _decision_page(request, incident, form, "incident_close.html", problems=problems)


@school_view("incidents.handle", methods=("POST",))
def incident_reopen(request, pk):
    incident = _incident(request, pk)
    try:
        services.incident_reopen(
            actor=request.user, school=request.school, incident=incident, request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{incident.reference} is open again.")
    return _to_detail(incident)


@school_view("incidents.handle")
def action_add(request, pk):
    incident = _incident(request, pk)
    if _closed(request, incident):
        return _to_detail(incident)
    form = ActionForm(posted(request), school=request.school)
    if form.is_valid():
        try:
            services.action_add(
                actor=request.user,
                school=request.school,
                incident=incident,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "The action is added.")
            return _to_detail(incident)
    return _decision_page(request, incident, form, "action_add.html")


@school_view("incidents.report")
def action_done(request, pk):
    """The owner (who may not see the incident itself) or a handler marks an action done."""
    school = request.school
    action = get_for_school(Action.objects.select_related("incident", "owner"), school, pk=pk)
    handler = request.access.can("incidents.handle")
    if not handler and action.owner_id != request.user.pk:
        raise Http404("Not found.")
    if request.method == "POST":
        services.action_done(actor=request.user, school=school, action=action, request=request)
        messages.success(request, f"Done: {action.description}")
        if handler:
            return redirect("incident-detail", school=school.slug, pk=action.incident_id)
        return redirect("my-tasks")
    context = {"school": school, "action": action, "handler": handler}
    return render(request, "incidents/action_done.html", context)


urlpatterns = [
    path("incidents/<int:pk>/", incident_detail, name="incident-detail"),
    path("incidents/<int:pk>/assess/", incident_assess, name="incident-assess"),
    path("incidents/<int:pk>/ico/", incident_ico, name="incident-ico"),
    path("incidents/<int:pk>/tell/", incident_tell, name="incident-tell"),
    path("incidents/<int:pk>/close/", incident_close, name="incident-close"),
    path("incidents/<int:pk>/reopen/", incident_reopen, name="incident-reopen"),
    path("incidents/<int:pk>/actions/add/", action_add, name="action-add"),
    path("incidents/actions/<int:pk>/done/", action_done, name="action-done"),
]
