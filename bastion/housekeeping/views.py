"""Housekeeping: staff attest; the SIRO and DPO open the campaign and follow its progress."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from bastion.core.tenancy import get_for_school, school_view
from bastion.housekeeping import campaigns
from bastion.housekeeping.forms import AttestForm, CampaignForm
from bastion.housekeeping.models import Attestation, Campaign
from bastion.lib.forms import posted


@school_view("housekeeping.attest")
def housekeeping_attest(request):
    school = request.school
    campaign = campaigns.current_campaign(school)
    person = campaigns.person_for(request.user, school)
    mine = list(
        Attestation.objects.filter(school=school, person__user=request.user)
        .select_related("campaign")
        .order_by("-campaign__year")
    )
    done = next((a for a in mine if campaign and a.campaign_id == campaign.pk), None)
    form = AttestForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            campaigns.attest(
                actor=request.user, school=school, note=form.cleaned_data["note"], request=request
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Thank you: your housekeeping is recorded.")
            return redirect("housekeeping-attest", school=school.slug)
    context = {
        "school": school,
        "campaign": campaign,
        "person": person,
        "done": done,
        "mine": mine,
        "form": form,
        "today": timezone.localdate(),
    }
    return render(request, "housekeeping/attest.html", context)


@school_view("housekeeping.manage")
def campaign_list(request):
    school = request.school
    today = timezone.localdate()
    history = list(Campaign.objects.filter(school=school).select_related("opened_by"))
    done = campaigns.progress(history)
    current = next((c for c in history if c.year == campaigns.school_year(today)), None)
    context = {
        "school": school,
        "rows": [(c, done[c.pk]) for c in history],
        "current": current,
        "progress": done.get(current.pk) if current else None,
        "missing": list(campaigns.missing(current)) if current else [],
        "today": today,
    }
    return render(request, "housekeeping/campaign_list.html", context)


@school_view("housekeeping.manage")
def campaign_open(request):
    school = request.school
    existing = campaigns.current_campaign(school)
    if existing is not None:
        messages.info(request, "This school year's housekeeping is already open.")
        return redirect("housekeeping-campaign", school=school.slug, pk=existing.pk)
    form = CampaignForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaigns.campaign_open(
                actor=request.user, school=school, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, f"Housekeeping {campaign.label} is open: staff are asked to attest."
            )
            return redirect("housekeeping-campaigns", school=school.slug)
    context = {"school": school, "form": form, "title": "Open this year's housekeeping"}
    return render(request, "housekeeping/campaign_form.html", context)


@school_view("housekeeping.manage")
def campaign_edit(request, pk):
    school = request.school
    campaign = get_for_school(Campaign, school, pk=pk)
    initial = {"deadline": campaign.deadline, "instructions": campaign.instructions}
    form = CampaignForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            campaigns.campaign_update(
                actor=request.user,
                school=school,
                campaign=campaign,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Housekeeping {campaign.label} is saved.")
            return redirect("housekeeping-campaign", school=school.slug, pk=campaign.pk)
    context = {"school": school, "form": form, "title": f"Change housekeeping {campaign.label}"}
    return render(request, "housekeeping/campaign_form.html", context)


@school_view("housekeeping.manage")
def campaign_detail(request, pk):
    school = request.school
    campaign = get_for_school(Campaign.objects.select_related("opened_by"), school, pk=pk)
    context = {
        "school": school,
        "campaign": campaign,
        "progress": campaigns.progress([campaign])[campaign.pk],
        "missing": list(campaigns.missing(campaign)),
        "attestations": list(campaign.attestations.select_related("person")),
        "current": campaign.year == campaigns.school_year(timezone.localdate()),
    }
    return render(request, "housekeeping/campaign_detail.html", context)


urlpatterns = [
    path("housekeeping/", housekeeping_attest, name="housekeeping-attest"),
    path("housekeeping/campaigns/", campaign_list, name="housekeeping-campaigns"),
    path("housekeeping/campaigns/open/", campaign_open, name="housekeeping-open"),
    path("housekeeping/campaigns/<int:pk>/", campaign_detail, name="housekeeping-campaign"),
    path("housekeeping/campaigns/<int:pk>/edit/", campaign_edit, name="housekeeping-edit"),
]
