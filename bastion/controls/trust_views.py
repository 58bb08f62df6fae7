"""A trust's view: its schools by the policy's controls as one matrix, and the worst gaps."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from bastion.controls import status as control_status
from bastion.controls.catalogue import ROWS
from bastion.controls.kept import reuse_each
from bastion.controls.registry import ATTENTION, MET, NOT_APPLICABLE, OVERDUE
from bastion.core.models import School, Trust

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
    schools = list(School.objects.filter(trust=trust).order_by("name", "pk"))
    context = _matrix(schools, matrix_rows(schools, timezone.localdate()))
    context |= {"trust": trust, "codes": list(ROWS)}
    return render(request, "controls/trust_matrix.html", context)


def matrix_rows(schools, today, ahead: float = 0) -> dict[int, dict]:
    """Each school's row of the matrix, small and plain (text and HTML), kept for reuse
    until a change is recorded at that school: a change at one school builds that school's
    row again, and no other."""

    def build(stale):
        found = control_status.recent_statuses(stale, today)
        return {s.pk: _row(s, found[s.pk]) for s in stale}

    return reuse_each("matrix-row", schools, today, build, ahead)


def _row(school, controls) -> dict:
    every = list(controls.values())
    return {
        "slug": school.slug,
        "name": school.name,
        "cells": _cells(school, controls),
        "statuses": {code: c.status for code, c in controls.items()},
        # This school's most urgent actions with their sort keys: the trust's worst are among
        # the schools' worst, and sorting them by the same keys merges them in order.
        "worst": [
            (
                control_status.urgency(item),
                {"school": school.name, "text": item[2].text, "url": item[2].url},
            )
            for item in control_status.urgent_actions(every, WORST)
        ],
        "counts": control_status.counts(every),
    }


def _matrix(schools, rows: dict[int, dict]) -> dict:
    rows = [rows[s.pk] for s in schools]
    gaps = []
    for code, title in ROWS.items():
        failing = [r["statuses"][code] for r in rows if r["statuses"][code] in (ATTENTION, OVERDUE)]
        if failing:
            overdue = failing.count(OVERDUE)
            gaps.append({"code": code, "title": title, "schools": len(failing), "overdue": overdue})
    gaps.sort(key=lambda g: (-g["schools"], -g["overdue"], g["code"]))
    # Stable: equal keys keep the schools' order, then the controls' order, as one sort would.
    worst = sorted((item for r in rows for item in r["worst"]), key=lambda item: item[0])
    counts = dict.fromkeys(control_status.STATUS_LABELS, 0)
    for r in rows:
        for status, n in r["counts"].items():
            counts[status] += n
    return {
        "rows": rows,
        "gaps": gaps,
        "worst": [action for _, action in worst[:WORST]],
        "counts": counts,
    }


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
