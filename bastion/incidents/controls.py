"""Computed evidence from the incident register (P4): incidents past the 72-hour ICO clock with
no decision, decisions still to make, reports waiting for triage. One query for many schools."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from bastion.controls.registry import ATTENTION, MET, OVERDUE, Action, Evidence, computed
from bastion.incidents.models import ICO_HOURS, Incident, clock_running_q


def _incidents(n: int) -> str:
    return f"{n} incident{'s' if n != 1 else ''}"


@computed("P4", "Incidents and the 72-hour clock")
def incident_clocks(schools, today):
    now = timezone.now()
    open_q = ~Q(status=Incident.Status.CLOSED)
    running = open_q & clock_running_q()
    late = running & Q(aware_at__lt=now - dt.timedelta(hours=ICO_HOURS))
    year_ago = now - dt.timedelta(days=365)
    rows = (
        Incident.objects.filter(school__in=schools)
        .values("school")
        .annotate(
            open=Count("pk", filter=open_q),
            late=Count("pk", filter=late),
            running=Count("pk", filter=running),
            untriaged=Count("pk", filter=Q(status=Incident.Status.REPORTED)),
            year=Count("pk", filter=Q(aware_at__gte=year_ago)),
        )
        .order_by()
    )
    by_school = {row["school"]: row for row in rows}
    result = {}
    for school in schools:
        row = by_school.get(school.pk) or dict.fromkeys(
            ("open", "late", "running", "untriaged", "year"), 0
        )
        log = reverse("breach-log", kwargs={"school": school.slug})
        actions = []
        if n := row["late"]:
            text = f"{_incidents(n)} past the 72-hour ICO clock without a decision"
            actions.append(Action(text, f"{log}?notified=pending", n))
        if n := row["running"] - row["late"]:
            text = f"{_incidents(n)} awaiting the ICO decision within 72 hours"
            actions.append(Action(text, f"{log}?notified=pending", n))
        if n := row["untriaged"]:
            actions.append(
                Action(f"{_incidents(n)} waiting for triage", f"{log}?status=reported", n)
            )
        year = f"{_incidents(row['year'])} in the last year, {row['open']} open"
        if row["late"]:
            summary = f"{_incidents(row['late'])} past the 72 hours with no ICO decision; {year}."
            status = OVERDUE
        elif actions:
            summary = f"Incidents wait for a decision or triage; {year}."
            status = ATTENTION
        else:
            summary = f"No incident waits for a decision; {year}."
            status = MET
        facts = {"incidents_year": row["year"], "incidents_open": row["open"]}
        result[school.pk] = Evidence(status, summary, tuple(actions), facts=facts)
    return result
