"""The agreements and their versions: read them, publish a new version, the settings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from bastion.agreements import services
from bastion.agreements.forms import PublishForm, SettingsForm
from bastion.agreements.models import Agreement, AgreementVersion, Signature
from bastion.core.tenancy import get_for_school, school_view
from bastion.lib.forms import posted
from bastion.lib.markdown import render as markdown


@school_view("agreements.view")
def agreement_list(request):
    school = request.school
    services.ensure_defaults(school)
    return render(
        request,
        "agreements/agreement_list.html",
        {"school": school, "agreements": services.agreements_for(school)},
    )


@school_view("agreements.view")
def agreement_detail(request, pk):
    school = request.school
    agreement = get_for_school(Agreement.objects.select_related("current"), school, pk=pk)
    counts = dict(
        Signature.objects.filter(agreement=agreement)
        .values_list("version_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    versions = list(agreement.versions.select_related("published_by"))
    for version in versions:
        version.signatures = counts.get(version.pk, 0)
    context = {
        "school": school,
        "agreement": agreement,
        "versions": versions,
        "html": markdown(agreement.current.text if agreement.current else ""),
    }
    return render(request, "agreements/agreement_detail.html", context)


@school_view("agreements.view")
def version_detail(request, pk):
    school = request.school
    version = get_for_school(AgreementVersion.objects.select_related("agreement"), school, pk=pk)
    context = {"school": school, "version": version, "html": markdown(version.text)}
    return render(request, "agreements/version_detail.html", context)


@school_view("agreements.manage")
def agreement_publish(request, pk):
    school = request.school
    agreement = get_for_school(Agreement.objects.select_related("current"), school, pk=pk)
    initial = {
        "text": agreement.current.text if agreement.current else "",
        "effective_on": timezone.localdate(),
        "everyone_signs_again": "yes",
    }
    form = PublishForm(posted(request), initial=initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "preview" in request.POST:
            preview = markdown(data["text"])
        else:
            try:
                version = services.agreement_publish(
                    actor=request.user,
                    school=school,
                    agreement=agreement,
                    text=data["text"],
                    effective_on=data["effective_on"],
                    everyone_signs_again=data["everyone_signs_again"] == "yes",
                    note=data["note"],
                    request=request,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                again = (
                    "Everyone must sign it again."
                    if version.everyone_signs_again
                    else "Earlier signatures still count."
                )
                messages.success(request, f"Version {version.number} is published. {again}")
                return redirect("agreement-detail", school=school.slug, pk=agreement.pk)
    context = {"school": school, "agreement": agreement, "form": form, "preview": preview}
    return render(request, "agreements/agreement_publish.html", context)


@school_view("agreements.manage")
def agreement_settings(request):
    school = request.school
    current = services.settings_for(school)
    form = SettingsForm(posted(request), instance=current)
    if request.method == "POST" and form.is_valid():
        services.settings_update(
            actor=request.user, school=school, data=form.cleaned_data, request=request
        )
        messages.success(request, "The agreement settings are saved.")
        return redirect("agreement-coverage", school=school.slug)
    if request.method == "POST":
        # A bound ModelForm has already copied the bad values onto the instance: re-read it.
        current.refresh_from_db()
    return render(request, "agreements/settings.html", {"school": school, "form": form})


urlpatterns = [
    path("agreements/texts/", agreement_list, name="agreement-list"),
    path("agreements/settings/", agreement_settings, name="agreement-settings"),
    path("agreements/<int:pk>/", agreement_detail, name="agreement-detail"),
    path("agreements/<int:pk>/publish/", agreement_publish, name="agreement-publish"),
    path("agreements/versions/<int:pk>/", version_detail, name="agreement-version"),
]
