"""The Single Central Record: the report (gaps first), a person's checks, settings, exports."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Prefetch, Q, Value, When
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from bastion.core import audit
from bastion.core.tenancy import get_for_school, school_view
from bastion.lib.dates import long_date, long_datetime
from bastion.lib.exports import Table, table_response
from bastion.lib.forms import posted
from bastion.lib.uploads import refuse_uploads
from bastion.people import scr, services
from bastion.people.forms import CheckForm, EntryForm, ExportForm, SCRSettingsForm
from bastion.people.models import Check, Kind, PeopleSettings, Person, SCRCheck, SCREntry

STATUSES = [
    ("all", "Everyone"),
    ("gaps", "Missing checks"),
    ("started", "Started before the DBS certificate"),
    ("recheck", "DBS re-check due"),
    ("complete", "Complete"),
    ("left", "Left the school"),
]
SCR_KINDS = [(k, label) for k, label in Kind.choices if k not in (Kind.PUPIL, Kind.PARENT)]
NO_UPLOAD = (
    "Bastion does not keep copies of DBS certificates or identity documents, so the file you "
    "attached was not kept and nothing was saved. Record the facts (number, date, who checked) "
    "and save again."
)


# The record is wide (a column per check): 25 rows fill a screen and keep the page fast.
PAGE_SIZE = 25
# What the report and its exports read of each check (a page prefetches hundreds of them).
CHECK_COLUMNS = SCRCheck.objects.order_by().only(
    "person_id", "check_type", "state", "done_on", "checked_by", "reference"
)


def scr_people(
    school, status: str = "all", kind: str = "", query: str = "", today=None, *, years=False
):
    """The people of the report, entries needing action first; and the re-check cut-off.

    `years` (the school's re-check period, when the caller has read it) saves a query."""
    today = today or timezone.localdate()
    if years is False:
        years = scr.recheck_years(school)
    cutoff = scr.cutoff_for(years, today)
    people = (
        Person.objects.filter(school=school)
        .in_scr_scope()
        .select_related("scr")
        .prefetch_related(Prefetch("scr_checks", queryset=CHECK_COLUMNS))
        .annotate(
            clear=Case(
                When(scr.clear_q(cutoff), then=Value(1)), default=0, output_field=IntegerField()
            )
        )
    )
    if status == "left":
        people = people.exclude(scr.on_roll_q(today))
    else:
        people = people.filter(scr.on_roll_q(today))
    if status == "gaps":
        people = people.filter(Q(scr__isnull=True) | Q(scr__missing__gt=""))
    elif status == "started":
        people = people.filter(scr__started_before_dbs=True, started_on__lte=today)
    elif status == "recheck":
        people = people.filter(scr.recheck_due_q(cutoff))
    elif status == "complete":
        people = people.filter(scr.clear_q(cutoff))
    if kind in Kind.values:
        people = people.filter(kind=kind)
    for word in query.split()[:4]:
        people = people.filter(Q(first_name__istartswith=word) | Q(last_name__istartswith=word))
    return people.order_by("clear", Lower("last_name"), Lower("first_name"), "pk"), cutoff


NOT_APPLICABLE = mark_safe('<span class="govuk-body-s">n/a</span>')


def _cells_html(states) -> str:
    """The report's check cells for one row, built once here: a 50-row page has 450 of them, and
    rendering each through template tags costs more than the rest of the page together."""
    cells = []
    for state in states:
        if state.status == scr.DONE:
            content = long_date(state.item.done_on)
        elif state.status in scr.GAPS:
            content = format_html(
                '<strong class="govuk-tag govuk-tag--red">{}</strong>', state.label
            )
        else:
            content = NOT_APPLICABLE
        cells.append(format_html('<td class="govuk-table__cell">{}</td>', content))
    return mark_safe("".join(cells))  # noqa: S308 (each piece escaped by format_html)


def row_view(person: Person, cutoff, today=None) -> dict:
    """What a person's row shows: each check's state and what the entry needs."""
    today = today or timezone.localdate()
    entry: SCREntry | None = getattr(person, "scr", None)
    result = scr.evaluate(person, person.scr_checks.all(), entry)
    problems = [
        f"{s.check.label}: {'action needed' if s.status == scr.ACTION_NEEDED else 'missing'}"
        for s in result.checks
        if s.status in scr.GAPS
    ]
    if result.started_before_dbs and person.started_on <= today:
        problems.append("started before the DBS certificate: a dated risk assessment is needed")
    stored = entry or SCREntry(dbs_on=result.dbs_on)
    if scr.recheck_due(stored, cutoff):
        problems.append(f"DBS re-check due (certificate of {long_date(stored.dbs_on)})")
    dbs = next(s for s in result.checks if s.check == Check.DBS)
    return {
        "person": person,
        "entry": entry,
        "checks": result.checks,
        "cells": _cells_html(result.checks),
        "problems": problems,
        "complete": not problems,
        "dbs_number": dbs.item.reference if dbs.item and dbs.status == scr.DONE else "",
    }


@school_view("scr.view")
def scr_report(request):
    school = request.school
    status = request.GET.get("status", "all")
    status = status if status in dict(STATUSES) else "all"
    kind = request.GET.get("kind", "")
    kind = kind if kind in dict(SCR_KINDS) else ""
    # PostgreSQL refuses NUL in a string: drop it rather than answer with an error.
    query = request.GET.get("q", "").replace("\x00", "")[:100].strip()
    years = scr.recheck_years(school)
    people, cutoff = scr_people(school, status, kind, query, years=years)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    # One event per view of the record, whatever the number of rows (as the breach log's).
    audit.record(
        "scr.report_viewed",
        actor=request.user,
        school=school,
        request=request,
        object_repr=f"Single Central Record of {school.name}",
        changes={"filters": describe(status, kind, query), "page": page.number},
    )
    return render(
        request,
        "people/scr_report.html",
        {
            "school": school,
            "page": page,
            "rows": [row_view(p, cutoff) for p in page],
            "status": status,
            "statuses": STATUSES,
            "kind": kind,
            "kinds": SCR_KINDS,
            "query": query,
            "checks": Check,
            "recheck_years": years,
            "person_url": reverse("scr-report", kwargs={"school": school.slug}),
        },
    )


def describe(status: str, kind: str, query: str) -> str:
    """The report's filters in words, for the audit trail."""
    parts = [dict(STATUSES)[status]]
    if kind:
        parts.append(f"kind: {dict(SCR_KINDS)[kind].lower()}")
    if query:
        parts.append(f"name: {query}")
    return "; ".join(parts)


def _scr_person(school, pk) -> Person:
    """A person of the school within the SCR's scope (pupils and parents have no entry), or 404."""
    return get_for_school(Person.objects.in_scr_scope(), school, pk=pk)


@school_view("scr.view")
def scr_person(request, pk):
    school = request.school
    people = Person.objects.in_scr_scope().select_related("scr").prefetch_related("scr_checks")
    person = get_for_school(people, school, pk=pk)
    audit.record("scr.viewed", actor=request.user, school=school, obj=person, request=request)
    return render(
        request,
        "people/scr_person.html",
        {
            "school": school,
            "person": person,
            "row": row_view(person, scr.recheck_cutoff(school)),
            "may_edit": request.access.can("scr.edit"),
        },
    )


@refuse_uploads
@school_view("scr.edit")
def scr_check_edit(request, pk, check):
    school = request.school
    if check not in Check.values:
        raise Http404("No such check.")
    person = _scr_person(school, pk)
    existing = SCRCheck.objects.filter(person=person, check_type=check).first()
    initial = {}
    if existing is None:
        initial = {
            "state": SCRCheck.State.DONE,
            "done_on": timezone.localdate(),
            "checked_by": request.user.get_full_name(),
        }
    form = CheckForm(
        posted(request),
        instance=existing,
        initial=initial,
        check=check,
        required=check in scr.required_checks(person),
    )
    if request.refused_files:
        messages.warning(request, NO_UPLOAD)
    elif request.method == "POST" and form.is_valid():
        services.scr_check_record(
            actor=request.user,
            school=school,
            person=person,
            check=check,
            data=form.cleaned_data,
            request=request,
        )
        messages.success(request, f"{Check(check).label} recorded for {person.full_name}.")
        return redirect("scr-person", school=school.slug, pk=person.pk)
    return render(
        request,
        "people/scr_check_form.html",
        {"school": school, "person": person, "check": Check(check), "form": form},
    )


@refuse_uploads
@school_view("scr.edit")
def scr_entry_edit(request, pk):
    school = request.school
    person = _scr_person(school, pk)
    entry = SCREntry.objects.filter(person=person).first()
    form = EntryForm(posted(request), instance=entry)
    if request.refused_files:
        messages.warning(request, NO_UPLOAD)
    elif request.method == "POST" and form.is_valid():
        services.scr_entry_update(
            actor=request.user,
            school=school,
            person=person,
            data=form.cleaned_data,
            request=request,
        )
        messages.success(request, f"Saved for {person.full_name}.")
        return redirect("scr-person", school=school.slug, pk=person.pk)
    return render(
        request, "people/scr_entry_form.html", {"school": school, "person": person, "form": form}
    )


@school_view("scr.edit")
def scr_settings(request):
    school = request.school
    row = PeopleSettings.objects.filter(school=school).first() or PeopleSettings(school=school)
    form = SCRSettingsForm(posted(request), instance=row)
    if request.method == "POST" and form.is_valid():
        services.scr_settings_update(
            actor=request.user, school=school, data=form.cleaned_data, request=request
        )
        messages.success(request, "The Single Central Record settings are saved.")
        return redirect("scr-report", school=school.slug)
    return render(request, "people/scr_settings.html", {"school": school, "form": form})


@school_view("scr.view")
def scr_export(request):
    school = request.school
    form = ExportForm(posted(request), initial={"format": "xlsx"})
    if request.method != "POST" or not form.is_valid():
        return render(request, "people/scr_export.html", {"school": school, "form": form})
    fmt = form.cleaned_data["format"]
    password = form.cleaned_data["password"] or None
    people, cutoff = scr_people(school)
    table = scr_table(school, people, cutoff, fmt=fmt, by=request.user)
    stamp = timezone.localdate().isoformat()
    response = table_response(table, fmt, f"scr-{school.slug}-{stamp}", password)
    # Audited once the file is made: a failed export is not an export.
    audit.record(
        "scr.exported",
        actor=request.user,
        school=school,
        request=request,
        object_repr=f"Single Central Record of {school.name} ({fmt})",
        changes={"format": fmt, "password_protected": bool(password), "rows": people.count()},
    )
    return response


CELL = {scr.MISSING: "MISSING", scr.ACTION_NEEDED: "ACTION NEEDED"}


def scr_table(school, people, cutoff, *, fmt: str, by) -> Table:
    """The record laid out like a printed SCR: one row per person, each check's date and who
    made it. The spreadsheet gives "checked by" its own columns; the PDF puts it under the date.
    """
    spreadsheet = fmt == "xlsx"
    check_headers = []
    for check in Check:
        check_headers += (
            [check.label, f"{check.label}: checked by"] if spreadsheet else [check.label]
        )
    people_headers = ["Surname", "First name", "Kind", "Role", "Contract", "Agency or company"]
    if not spreadsheet:
        people_headers = ["Name", "Role"]
    headers = [
        *people_headers,
        "Start date",
        *check_headers,
        "DBS certificate number",
        "DBS Update Service",
        "Last status check",
        "Risk assessment",
        "Status",
    ]

    def cells(state):
        if state.status != scr.DONE:
            value = CELL.get(state.status, "N/A")
            return [value, ""] if spreadsheet else [value]
        if spreadsheet:
            return [state.item.done_on, state.item.checked_by]
        return [f"{long_date(state.item.done_on)}\nby {state.item.checked_by}".strip()]

    def rows():
        for person in people.iterator(chunk_size=500):
            row = row_view(person, cutoff)
            entry = row["entry"]
            if spreadsheet:
                who = [
                    person.last_name,
                    person.first_name,
                    person.get_kind_display(),
                    person.job_title,
                    person.get_contract_display(),
                    person.agency_name,
                ]
            else:
                contract = f"{person.get_contract_display()} {person.agency_name}".strip()
                who = [
                    f"{person.last_name}, {person.first_name}",
                    "\n".join(x for x in (person.job_title, contract) if x)
                    or person.get_kind_display(),
                ]
            yield [
                *who,
                person.started_on,
                *[value for state in row["checks"] for value in cells(state)],
                row["dbs_number"],
                "Yes" if entry and entry.update_service else "No",
                entry.update_service_checked_on if entry else None,
                entry.risk_assessment_on if entry else None,
                "Complete" if row["complete"] else "; ".join(row["problems"]),
            ]

    years = scr.recheck_years(school)
    policy = (
        f"DBS re-check every {years} year{'s' if years > 1 else ''}"
        if years
        else "No DBS re-check period set"
    )
    when = timezone.localtime()
    widths = (
        [16, 14, 10, 16, 10, 14, 11, *([11, 14] * len(Check)), 14, 10, 11, 11, 40]
        if spreadsheet
        else [20, 18, 11, *([13] * len(Check)), 15, 9, 11, 11, 30]
    )
    return Table(
        title=f"Single Central Record of {school.name}",
        sheet="Single Central Record",
        subtitle=(
            f"Exported {long_datetime(when)} by {by.get_full_name() or by.email}. {policy}. "
            "Contains personal data: keep it secure and delete it when no longer needed."
        ),
        headers=headers,
        rows=rows(),
        widths=widths,
    )
