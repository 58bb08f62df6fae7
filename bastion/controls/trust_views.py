"""A trust's view: its schools by the policy's controls as one matrix, and the worst gaps."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from bastion.controls import status as control_status
from bastion.controls.catalogue import ROWS
from bastion.controls.registry import ATTENTION, MET, NOT_APPLICABLE, OVERDUE
from bastion.core.models import School, Trust
from bastion.core.tenancy import user_has_mfa

WORST = 10


def _trust_for(request, slug: str) -> Trust:
    """The trust, if the user runs it; otherwise 404, as if it did not exist."""
    trust = Trust.objects.filter(slug=slug, admins__user=request.user).first()
    if trust is None:
        raise Http404("No such trust.")
    return trust


def trust_matrix(request, trust):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    # The trust first: another trust's URL is a 404 whatever the method.
    trust = _trust_for(request, trust)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if not user_has_mfa(request.user):
        messages.warning(
            request,
            "Trust admins need two-factor authentication. Set up an authenticator app or a "
            "passkey to continue.",
        )
        return redirect("mfa_index")
    schools = list(School.objects.filter(trust=trust).order_by("name", "pk"))
    today = timezone.localdate()
    # The matrix as built, small and plain (text and HTML), reused while nothing is recorded.
    context = control_status.reuse("trust-matrix", schools, today, lambda: _matrix(schools, today))
    context |= {"trust": trust, "codes": list(ROWS)}
    return render(request, "controls/trust_matrix.html", context)


def _matrix(schools, today) -> dict:
    found = control_status.statuses(schools, today)
    rows = [{"slug": s.slug, "name": s.name, "cells": _cells(s, found[s.pk])} for s in schools]
    gaps = []
    for code, title in ROWS.items():
        failing = [
            found[s.pk][code] for s in schools if found[s.pk][code].status in (ATTENTION, OVERDUE)
        ]
        if failing:
            overdue = sum(c.status == OVERDUE for c in failing)
            gaps.append({"code": code, "title": title, "schools": len(failing), "overdue": overdue})
    gaps.sort(key=lambda g: (-g["schools"], -g["overdue"], g["code"]))
    every = [c for s in schools for c in found[s.pk].values()]
    worst = [
        {"school": control.school.name, "text": action.text, "url": action.url}
        for control, _, action in control_status.urgent_actions(every, WORST)
    ]
    return {"rows": rows, "gaps": gaps, "worst": worst, "counts": control_status.counts(every)}


SHORT = {MET: "Met", ATTENTION: "Fix", OVERDUE: "Late", NOT_APPLICABLE: "N/A"}


def _cells(school, controls) -> str:
    """One school's row of the matrix, built here: 31 cells of 50 schools through template tags
    (a reversed URL each) cost most of the page's time. Codes, labels and tags are Bastion's
    own constants; the school's name and URL are escaped once."""
    base = escape(reverse("control-detail", kwargs={"school": school.slug, "control": "P0"})[:-3])
    name = escape(school.name)
    cells = []
    for code in ROWS:
        c = controls[code]
        cells.append(
            f'<td class="govuk-table__cell"><a class="govuk-link" href="{base}{code}/" '
            f'title="{code}: {c.label}"><strong class="govuk-tag govuk-tag--{c.tag}">'
            f'{SHORT[c.status]}</strong><span class="govuk-visually-hidden"> {code} at {name}: '
            f"{c.label}</span></a></td>"
        )
    return mark_safe("".join(cells))  # noqa: S308 - constants, and the two escaped values


urlpatterns = [path("controls/", trust_matrix, name="trust-controls")]
