"""A trust's view: its schools by the policy's controls as one matrix, and the worst gaps."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join

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
    found = control_status.recent_statuses(schools, timezone.localdate())
    rows = [(school, _cells(school, found[school.pk])) for school in schools]
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
    context = {
        "trust": trust,
        "codes": list(ROWS),
        "rows": rows,
        "gaps": gaps,
        "worst": control_status.urgent_actions(every, WORST),
        "counts": control_status.counts(every),
    }
    return render(request, "controls/trust_matrix.html", context)


SHORT = {MET: "Met", ATTENTION: "Fix", OVERDUE: "Late", NOT_APPLICABLE: "N/A"}


def _cells(school, controls) -> str:
    """One school's row of the matrix, built here: 31 cells of 50 schools through template tags
    (a reversed URL each) cost most of the page's time."""
    base = reverse("control-detail", kwargs={"school": school.slug, "control": "P0"})[:-3]
    return format_html_join(
        "",
        '<td class="govuk-table__cell"><a class="govuk-link" href="{}{}/" title="{}: {}">'
        '<strong class="govuk-tag govuk-tag--{}">{}</strong>'
        '<span class="govuk-visually-hidden"> {} at {}: {}</span></a></td>',
        (
            (base, c.code, c.code, c.label, c.tag, SHORT[c.status], c.code, school.name, c.label)
            for c in (controls[code] for code in ROWS)
        ),
    )


urlpatterns = [path("controls/", trust_matrix, name="trust-controls")]
