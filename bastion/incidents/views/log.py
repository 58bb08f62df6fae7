"""The breach log: every incident with filters and termly figures, and its export.

Only those who handle incidents (the DPO, the SIRO, trust admins) see it; every view and every
export is written to the audit trail, as the log holds personal data.
"""

from __future__ import annotations

import math

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join

from bastion.core import audit
from bastion.core.tenancy import school_view
from bastion.incidents import log
from bastion.incidents.models import Incident, Kind
from bastion.lib.dates import long_date, long_datetime
from bastion.lib.exports import table_response
from bastion.lib.forms import posted
from bastion.people.forms import ExportForm

PAGE_SIZE = 25
# Colours are stylesheet classes (bastion-chart__bar--<colour>): the CSP allows no inline style.
KIND_SERIES = list(
    zip(
        Kind.values,
        Kind.labels,
        ["blue", "purple", "teal", "magenta", "red", "orange", "green", "grey"],
        strict=True,
    )
)
OUTCOME_SERIES = list(
    zip(
        [k for k, _ in log.OUTCOMES],
        [label for _, label in log.OUTCOMES],
        ["green", "orange", "grey", "red"],
        strict=True,
    )
)


@school_view("incidents.handle", methods=("GET", "HEAD"))
def breach_log(request):
    school = request.school
    filters = log.Filters.from_query(request.GET)
    incidents = log.log_page_incidents(school, filters)
    now = timezone.now()
    counts = log.open_counts(school, now)
    paginator = Paginator(incidents, PAGE_SIZE)
    # Counted without the action counts' join and grouping: the same number, a cheaper query.
    paginator.count = filters.apply(Incident.objects.filter(school=school)).count()
    page = paginator.get_page(request.GET.get("page"))
    # One reversed URL for the page, not one per row.
    detail = reverse("incident-detail", kwargs={"school": school.slug, "pk": 0})[: -len("0/")]
    rows = [{"incident": i, "ico": ico_state(i, now), "url": f"{detail}{i.pk}/"} for i in page]
    anchor = filters.term or log.Term.of(timezone.localdate())
    figures = log.termly_figures(school, anchor)
    audit.record(
        "incident.log_viewed",
        actor=request.user,
        school=school,
        request=request,
        object_repr=f"Breach log of {school.name}",
        changes={"filters": filters.describe(), "page": page.number},
    )
    return render(
        request,
        "incidents/log_list.html",
        {
            "school": school,
            "filters": filters,
            "page": page,
            "rows": rows,
            "counts": counts,
            "terms": log.term_choices(school, filters.term, first=counts.first_aware),
            "kinds": Kind.choices,
            "statuses": log.STATUSES,
            "notified_choices": log.NOTIFIED,
            "risks": log.RISKS,
            "figures": figures,
            "charts": [
                chart(figures, "by_kind", KIND_SERIES, "kind", "Incidents by kind"),
                chart(figures, "by_outcome", OUTCOME_SERIES, "outcome", "Incidents by outcome"),
            ],
        },
    )


@school_view("incidents.handle")
def breach_log_export(request):
    school = request.school
    filters = log.Filters.from_query(request.GET)
    incidents = log.log_incidents(school, filters)
    form = ExportForm(posted(request), initial={"format": "xlsx"})
    if request.method != "POST" or not form.is_valid():
        return render(
            request,
            "incidents/log_export.html",
            {"school": school, "form": form, "filters": filters, "count": incidents.count()},
        )
    fmt = form.cleaned_data["format"]
    password = form.cleaned_data["password"] or None
    table = log.export_table(school, incidents, fmt=fmt, by=request.user, filters=filters)
    stamp = timezone.localdate().isoformat()
    response = table_response(table, fmt, f"breach-log-{school.slug}-{stamp}", password)
    # Audited once the file is made: a failed export is not an export.
    audit.record(
        "incident.log_exported",
        actor=request.user,
        school=school,
        request=request,
        object_repr=f"Breach log of {school.name} ({fmt})",
        changes={
            "format": fmt,
            "password_protected": bool(password),
            "rows": incidents.count(),
            "filters": filters.describe(),
        },
    )
    return response


def ico_state(incident, now) -> tuple[str, str]:
    """(words, tag colour) for where an incident stands with the ICO."""
    if incident.notify_ico is False:
        return "Not reportable", "grey"
    if incident.ico_notified_at:
        told = f"Told {long_date(incident.ico_notified_at)}"
        return (f"{told}, late", "red") if incident.notified_late else (told, "green")
    deadline = timezone.localtime(incident.ico_deadline)
    undecided = "not yet told" if incident.notify_ico else "no decision"
    if now > deadline:
        return f"Past 72 hours: {undecided}", "red"
    return f"Decide by {long_datetime(deadline)}", "yellow"


# The chart -----------------------------------------------------------------------------------

WIDTH, HEIGHT = 480, 260
LEFT, RIGHT, TOP, BOTTOM = 36, 6, 24, 36


def _step(peak: int) -> int:
    """A round gap between the gridlines: about four of them, 1, 2 or 5 times a power of ten."""
    raw = max(peak / 4, 1)
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _marks(ticks: list[dict], columns: list[dict]) -> str:
    """The chart's gridlines and bars as SVG markup, built here once: a hundred-odd elements
    rendered through template tags cost more than the rest of the breach log page."""
    grid = format_html_join(
        "",
        '<line class="bastion-chart__grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
        '<text class="bastion-chart__tick" x="{}" y="{}" dy="4">{}</text>',
        ((LEFT, WIDTH - RIGHT, t["y"], t["y"], LEFT - 6, t["y"], t["value"]) for t in ticks),
    )
    label_y = HEIGHT - BOTTOM + 20
    bars = format_html_join(
        "",
        "<g>{}"
        '<text class="bastion-chart__total" x="{}" y="{}">{}</text>'
        '<text class="bastion-chart__label" x="{}" y="{}">{}</text></g>',
        (
            (
                format_html_join(
                    "",
                    '<rect class="bastion-chart__bar bastion-chart__bar--{}" x="{}" y="{}" '
                    'width="{}" height="{}"><title>{}</title></rect>',
                    (
                        (s["colour"], col["x"], s["y"], col["width"], s["height"], s["title"])
                        for s in col["segments"]
                    ),
                ),
                col["middle"],
                col["total_y"],
                col["total"],
                col["middle"],
                label_y,
                col["label"],
            )
            for col in columns
        ),
    )
    return grid + bars


def chart(figures: list[log.TermFigures], attr: str, series, name: str, title: str) -> dict:
    """A stacked column per term, laid out for an SVG; its text alternative says it all."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    peak = max((f.total for f in figures), default=0)
    step = _step(peak)
    top = max(step, math.ceil(peak / step) * step)
    scale = plot_h / top
    slot = plot_w / len(figures)
    bar = slot * 0.6
    columns, sentences = [], []
    for i, figure in enumerate(figures):
        counts = getattr(figure, attr)
        x, y = LEFT + slot * i + (slot - bar) / 2, TOP + plot_h
        segments, words = [], []
        for key, label, colour in series:
            if n := counts[key]:
                y -= n * scale
                segments.append(
                    {"y": f"{y:.1f}", "height": f"{n * scale:.1f}", "colour": colour}
                    | {"title": f"{figure.term.label}, {log.lower_first(label)}: {n}"}
                )
                words.append(f"{log.lower_first(label)}: {n}")
        columns.append(
            {
                "x": f"{x:.1f}",
                "width": f"{bar:.1f}",
                "middle": f"{x + bar / 2:.1f}",
                "segments": segments,
                "total": figure.total,
                "total_y": f"{y - 6:.1f}",
                "label": figure.term.short,
            }
        )
        total = figure.total
        sentences.append(
            f"{figure.term.label}: {total} incident{'s' if total != 1 else ''}"
            + (f" ({'; '.join(words)})" if words else "")
        )
    ticks = [{"value": v, "y": f"{TOP + plot_h - v * scale:.1f}"} for v in range(0, top + 1, step)]
    return {
        "marks": _marks(ticks, columns),
        "id": f"chart-{name}",
        "title": f"{title}, {figures[0].term.label} to {figures[-1].term.label}",
        "description": ". ".join(sentences) + ".",
        "series": series,
        "columns": columns,
        "ticks": ticks,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "label_y": HEIGHT - BOTTOM + 20,
        "tick_x": LEFT - 6,
        # The same figures as a table: a row per kind (or outcome), a column per term.
        "terms": [f.term for f in figures],
        "rows": [
            {"label": label, "colour": colour, "counts": [getattr(f, attr)[key] for f in figures]}
            for key, label, colour in series
        ],
        "totals": [f.total for f in figures],
    }


urlpatterns = [
    path("incidents/log/", breach_log, name="breach-log"),
    path("incidents/log/export/", breach_log_export, name="breach-log-export"),
]
