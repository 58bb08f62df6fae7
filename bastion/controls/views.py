"""The compliance dashboard of a school, a control's page, recording a check, a control's owner
and frequency, evidence downloads, and the governors' termly report."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from bastion.controls import defaults, report, services, trend
from bastion.controls import status as control_status
from bastion.controls.catalogue import ROWS
from bastion.controls.forms import AttestationForm, ControlSettingForm, ReportForm
from bastion.controls.models import Attestation, ControlSetting
from bastion.core import audit, files
from bastion.core.tenancy import get_for_school, school_view
from bastion.incidents.clock import open_clocks
from bastion.lib.exports import download
from bastion.lib.forms import posted

URGENT = 5


def _code(control: str) -> str:
    if control not in ROWS:
        raise Http404("No such control.")
    return control


@school_view("controls.view", methods=("GET", "HEAD"))
def dashboard(request):
    school = request.school
    today = timezone.localdate()
    controls = list(control_status.recent_statuses([school], today)[school.pk].values())
    counts = control_status.counts(controls)
    context = {
        "school": school,
        "controls": controls,
        "counts": counts,
        "urgent": control_status.urgent_actions(controls, URGENT),
        "chart": trend.chart(trend.weekly(school, today, now=counts), len(ROWS)),
        "clocks": open_clocks(school),
    }
    return render(request, "controls/dashboard.html", context)


def _control(school, code: str):
    today = timezone.localdate()
    return control_status.statuses([school], today, [code])[school.pk][code]


@school_view("controls.view", methods=("GET", "HEAD"))
def control_detail(request, control):
    school = request.school
    code = _code(control)
    attestations = (
        Attestation.objects.filter(school=school, code=code)
        .select_related("attested_by", "evidence")
        .defer("evidence__ciphertext")[:50]
    )
    context = {
        "school": school,
        "control": _control(school, code),
        "attestations": attestations,
    }
    return render(request, "controls/control_detail.html", context)


@school_view("controls.attest")
def control_attest(request, control):
    school = request.school
    code = _code(control)
    form = AttestationForm(posted(request), request.FILES or None)
    if request.method == "GET":
        form = AttestationForm(initial={"attested_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.attestation_record(
                actor=request.user,
                school=school,
                code=code,
                attested_on=data["attested_on"],
                note=data["note"],
                upload=data.get("evidence"),
                request=request,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"The check of {code} is recorded.")
            return redirect("control-detail", school=school.slug, control=code)
    context = {"school": school, "code": code, "title": ROWS[code], "form": form}
    return render(request, "controls/attest_form.html", context)


@school_view("controls.manage")
def control_settings(request, control):
    school = request.school
    code = _code(control)
    setting = ControlSetting.objects.filter(school=school, code=code).first()
    initial = {
        "owner_role": setting.owner_role if setting else defaults.owner_role(code),
        "owner": setting.owner_id if setting else None,
        "frequency": setting.frequency if setting else defaults.frequency(code),
    }
    form = ControlSettingForm(posted(request), initial=initial, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            services.control_setting_update(
                actor=request.user,
                school=school,
                code=code,
                data=form.cleaned_data,
                request=request,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"The owner and frequency of {code} are saved.")
            return redirect("control-detail", school=school.slug, control=code)
    context = {"school": school, "code": code, "title": ROWS[code], "form": form}
    return render(request, "controls/settings_form.html", context)


@school_view("controls.view", methods=("GET", "HEAD"))
def attestation_evidence(request, pk):
    school = request.school
    attestation = get_for_school(
        Attestation.objects.select_related("evidence").filter(evidence__isnull=False), school, pk=pk
    )
    return files.download(request, attestation.evidence)


@school_view("controls.report")
def governors_report(request):
    """The form (an optional password) on GET; the PDF on POST."""
    school = request.school
    form = ReportForm(posted(request))
    if request.method != "POST" or not form.is_valid():
        return render(request, "controls/report_form.html", {"school": school, "form": form})
    password = form.cleaned_data["password"] or None
    today = timezone.localdate()
    controls = list(control_status.statuses([school], today)[school.pk].values())
    data = report.governors_report(school, controls, today, timezone.now(), password=password)
    audit.record(
        "control.report_exported",
        actor=request.user,
        school=school,
        request=request,
        object_repr=f"Governors' report of {school.name}",
        changes={"password_protected": bool(password)},
    )
    filename = f"governors-report-{school.slug}-{today:%Y-%m-%d}.pdf"
    return download(data, filename, "application/pdf")


urlpatterns = [
    path("controls/", dashboard, name="controls-dashboard"),
    path("controls/report/", governors_report, name="controls-report"),
    path(
        "controls/attestations/<int:pk>/evidence/",
        attestation_evidence,
        name="attestation-evidence",
    ),
    path("controls/<slug:control>/", control_detail, name="control-detail"),
    path("controls/<slug:control>/attest/", control_attest, name="control-attest"),
    path("controls/<slug:control>/settings/", control_settings, name="control-settings"),
]
