"""Computed evidence from the people directory: the Single Central Record (P5) and accounts
created from the MIS (T7). Each evaluator answers for many schools in a fixed few queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from bastion.controls.registry import ATTENTION, MET, OVERDUE, Action, Evidence, computed
from bastion.lib.dates import long_date
from bastion.people import scr
from bastion.people.models import Check, ImportJob, PeopleSettings, Person

# How each missing check reads in an action: "4 people without a barred-list check".
CHECK_PHRASES = {
    Check.IDENTITY: "an identity check",
    Check.DBS: "an enhanced DBS check",
    Check.BARRED_LIST: "a barred-list check",
    Check.PROHIBITION: "a prohibition-from-teaching check",
    Check.SECTION_128: "a section 128 check",
    Check.OVERSEAS: "overseas checks",
    Check.RIGHT_TO_WORK: "a right-to-work check",
    Check.QUALIFICATIONS: "a qualifications check",
    Check.AGENCY_CONFIRMATION: "the agency's written confirmation",
}
# An import from the MIS older than this is stale: leavers and joiners are missed.
MIS_IMPORT_DAYS = 35


def _people(n: int) -> str:
    return f"{n} {'person' if n == 1 else 'people'}"


def _cutoff_groups(schools, today: dt.date) -> dict:
    """{DBS re-check cut-off: [school ids]}; one query."""
    years = dict(
        PeopleSettings.objects.filter(school__in=schools).values_list(
            "school_id", "dbs_recheck_years"
        )
    )
    groups = defaultdict(list)
    for school in schools:
        groups[scr.cutoff_for(years.get(school.pk), today)].append(school.pk)
    return groups


@computed("P5", "Single Central Record")
def scr_complete(schools, today):
    """Share of the people the SCR must cover (on roll today) whose entry is clear; two
    queries. Actions name the gaps: missing checks by kind, re-checks due, late starters."""
    clear, recheck = Q(pk__in=[]), Q(pk__in=[])
    for cutoff, ids in _cutoff_groups(schools, today).items():
        clear |= Q(school_id__in=ids) & scr.clear_q(cutoff)
        recheck |= Q(school_id__in=ids) & scr.recheck_due_q(cutoff)
    started = Q(scr__started_before_dbs=True) & (
        Q(started_on__lte=today) | Q(started_on__isnull=True)
    )
    figures = {
        "total": Count("pk"),
        "clear": Count("pk", filter=clear),
        "no_entry": Count("pk", filter=Q(scr__isnull=True)),
        "recheck": Count("pk", filter=recheck),
        "started": Count("pk", filter=started),
    }
    for check in Check:
        figures[f"missing_{check.value}"] = Count(
            "pk", filter=Q(scr__missing__contains=check.value)
        )
    rows = (
        Person.objects.filter(school__in=schools)
        .filter(scr.on_roll_q(today))
        .in_scr_scope()
        .values("school")
        .annotate(**figures)
        .order_by()
    )
    by_school = {row["school"]: row for row in rows}
    result = {}
    for school in schools:
        row = by_school.get(school.pk)
        url = reverse("scr-report", kwargs={"school": school.slug})
        if not row or not row["total"]:
            action = Action(
                "Add the school's staff and governors to the directory",
                reverse("person-list", kwargs={"school": school.slug}),
            )
            summary = "Nobody is recorded in the Single Central Record yet."
            result[school.pk] = Evidence(ATTENTION, summary, (action,), value=0.0)
            continue
        total, clear_n = row["total"], row["clear"]
        share = clear_n / total
        summary = (
            f"{clear_n} of {total} people in the Single Central Record have a complete entry "
            f"({round(100 * share)}%)."
        )
        facts = {"scr_total": total, "scr_clear": clear_n}
        if clear_n == total:
            result[school.pk] = Evidence(MET, summary, value=1.0, facts=facts)
            continue
        actions = []
        if n := row["no_entry"]:
            actions.append(Action(f"{_people(n)} with no SCR entry", f"{url}?status=gaps", n))
        for check in Check:
            if n := row[f"missing_{check.value}"]:
                text = f"{_people(n)} without {CHECK_PHRASES[check]}"
                actions.append(Action(text, f"{url}?status=gaps", n))
        if n := row["recheck"]:
            text = f"{n} DBS re-check{'s' if n != 1 else ''} due"
            actions.append(Action(text, f"{url}?status=recheck", n))
        if n := row["started"]:
            text = f"{_people(n)} started before their DBS certificate without a risk assessment"
            actions.append(Action(text, f"{url}?status=started", n))
        actions.sort(key=lambda a: -a.count)
        result[school.pk] = Evidence(ATTENTION, summary, tuple(actions), share, facts)
    return result


@computed("T7", "Accounts from the MIS")
def mis_import(schools, today):
    """When the directory was last brought up to date from the MIS; one query."""
    last = dict(
        ImportJob.objects.filter(school__in=schools, status=ImportJob.Status.DONE)
        .values("school")
        .annotate(last=Max("finished_at"))
        .order_by()
        .values_list("school", "last")
    )
    result = {}
    for school in schools:
        url = reverse("people-import", kwargs={"school": school.slug})
        when = last.get(school.pk)
        if when is None:
            summary = "The directory has never been imported from the MIS."
            action = Action("Import staff and pupils from the MIS", url)
            result[school.pk] = Evidence(ATTENTION, summary, (action,), value=0.0)
            continue
        day = timezone.localdate(when)
        age = (today - day).days
        if age > MIS_IMPORT_DAYS:
            summary = (
                f"Last imported from the MIS on {long_date(day)}, {age} days ago: import at "
                f"least every {MIS_IMPORT_DAYS} days so joiners and leavers are current."
            )
            action = Action(f"MIS import {age} days old: import again", url)
            result[school.pk] = Evidence(OVERDUE, summary, (action,), value=0.0)
        else:
            summary = f"Last imported from the MIS on {long_date(day)}."
            result[school.pk] = Evidence(MET, summary, value=1.0)
    return result
