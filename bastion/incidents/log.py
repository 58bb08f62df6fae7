"""The breach log: its filters, the termly figures, the export table, and the dashboard's counts.

Terms are defined simply, by calendar month: autumn is September to December, spring January to
April, summer May to August. Real term dates move with Easter and differ from school to school;
whole months keep the figures comparable from one year to the next. An incident belongs to the
term in which the school became aware of it (`aware_at`, when the 72-hour clock starts).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Case, Count, F, IntegerField, Min, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from bastion.incidents.models import ICO_HOURS, Action, Incident, Kind, Level, Risk, clock_running_q
from bastion.lib.dates import long_date, long_datetime

# Calendar order within a year, each season's first month and the month after its last.
SEASONS = [("spring", 1, 5), ("summer", 5, 9), ("autumn", 9, 13)]
MONTH_NAMES = (
    "January February March April May June July August September October November December"
)
TERM_KEY = re.compile(r"(spring|summer|autumn)-(\d{4})")


@dataclass(frozen=True, order=True)
class Term:
    year: int
    index: int  # 0 spring, 1 summer, 2 autumn

    @classmethod
    def of(cls, day: dt.date) -> Term:
        return cls(day.year, next(i for i, (_, _, end) in enumerate(SEASONS) if day.month < end))

    @classmethod
    def parse(cls, key: str) -> Term | None:
        match = TERM_KEY.fullmatch(key or "")
        if not match or not 2000 <= int(match[2]) <= 2100:
            return None
        return cls(int(match[2]), [s for s, _, _ in SEASONS].index(match[1]))

    @property
    def season(self) -> str:
        return SEASONS[self.index][0]

    @property
    def key(self) -> str:
        return f"{self.season}-{self.year}"

    @property
    def label(self) -> str:
        return f"{self.season.title()} term {self.year}"

    @property
    def short(self) -> str:
        return f"{self.season.title()[:3]} {self.year % 100:02d}"

    @property
    def months(self) -> str:
        _, first, end = SEASONS[self.index]
        names = MONTH_NAMES.split()
        return f"{names[first - 1]} to {names[end - 2]} {self.year}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, SEASONS[self.index][1], 1)

    def next(self) -> Term:
        return Term(self.year + (self.index == 2), (self.index + 1) % 3)

    def previous(self) -> Term:
        return Term(self.year - (self.index == 0), (self.index - 1) % 3)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """From the term's first local midnight to the next term's."""
        return _midnight(self.start), _midnight(self.next().start)


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def term_choices(
    school,
    selected: Term | None = None,
    today: dt.date | None = None,
    *,
    first: dt.datetime | bool | None = False,
) -> list[Term]:
    """The terms to offer, newest first: at least the last six, back to the first incident's
    term, and the chosen term wherever it lies. `first` (the first awareness, as
    `open_counts` gives it) saves the query that finds it."""
    current = Term.of(today or timezone.localdate())
    oldest = current
    for _ in range(5):
        oldest = oldest.previous()
    if first is False:
        first = Incident.objects.filter(school=school).aggregate(first=Min("aware_at"))["first"]
    if first:
        oldest = min(oldest, Term.of(timezone.localtime(first).date()))
    terms, term = [], current
    while term >= oldest and len(terms) < 60:
        terms.append(term)
        term = term.previous()
    if selected and selected not in terms:
        terms = sorted([*terms, selected], reverse=True)
    return terms


# Filters -------------------------------------------------------------------------------------

STATUSES = [("open", "Open (not closed)"), *Incident.Status.choices]
NOTIFIED = [
    ("yes", "Told the ICO"),
    ("no", "Decided not to tell the ICO"),
    ("pending", "ICO decision open"),
]
RISKS = [*Risk.choices, ("unassessed", "Not yet assessed")]
_FIELDS = {"kind": Kind.choices, "status": STATUSES, "notified": NOTIFIED, "risk": RISKS}
NAMES = {"term": "term", "kind": "kind", "status": "status", "notified": "ICO", "risk": "risk"}


@dataclass
class Filters:
    """What the log shows, read from a query string anyone can type: a value that is not one of
    the choices is ignored (and named in `ignored`), never an error."""

    term: Term | None = None
    kind: str = ""
    status: str = ""
    notified: str = ""
    risk: str = ""
    ignored: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, params) -> Filters:
        filters = cls()
        term = params.get("term", "")
        if term:
            filters.term = Term.parse(term)
            if filters.term is None:
                filters.ignored.append(NAMES["term"])
        for name, choices in _FIELDS.items():
            value = params.get(name, "")
            if value in dict(choices):
                setattr(filters, name, value)
            elif value:
                filters.ignored.append(NAMES[name])
        return filters

    def apply(self, incidents: QuerySet[Incident]) -> QuerySet[Incident]:
        if self.term:
            since, until = self.term.bounds()
            incidents = incidents.filter(aware_at__gte=since, aware_at__lt=until)
        if self.kind:
            incidents = incidents.filter(kind=self.kind)
        if self.status == "open":
            incidents = incidents.exclude(status=Incident.Status.CLOSED)
        elif self.status:
            incidents = incidents.filter(status=self.status)
        if self.notified == "yes":
            incidents = incidents.filter(notify_ico=True, ico_notified_at__isnull=False)
        elif self.notified == "no":
            incidents = incidents.filter(notify_ico=False)
        elif self.notified == "pending":
            incidents = incidents.filter(clock_running_q())
        if self.risk:
            incidents = incidents.filter(risk="" if self.risk == "unassessed" else self.risk)
        return incidents

    def values(self) -> dict[str, str]:
        chosen = {"term": self.term.key if self.term else ""}
        chosen |= {name: getattr(self, name) for name in _FIELDS}
        return {name: value for name, value in chosen.items() if value}

    @property
    def query(self) -> str:
        return urlencode(self.values())

    def describe(self) -> str:
        """The filters in words, for the export's heading and the audit trail."""
        parts = [f"{self.term.label} ({self.term.months})"] if self.term else []
        for name, choices in _FIELDS.items():
            if value := getattr(self, name):
                parts.append(f"{NAMES[name]}: {lower_first(dict(choices)[value])}")
        return "; ".join(parts) or "all incidents"


def lower_first(label: str) -> str:
    """The label as it reads mid-sentence: "lost device", but "ICO decision open"."""
    return label[:1].lower() + label[1:] if not label[1:2].isupper() else label


ACTION_COLUMNS = Action.objects.select_related("owner").only(
    "incident_id", "kind", "description", "due_on", "done_at", "owner__first_name",
    "owner__last_name", "owner__email",
)  # fmt: skip


# What a row of the log page shows (the export reads everything, with the actions).
PAGE_COLUMNS = (
    "school_id",
    "reference",
    "kind",
    "aware_at",
    "what_happened",
    "people_affected",
    "children_data",
    "special_category",
    "risk",
    "status",
    "notify_ico",
    "ico_notified_at",
)


def log_page_incidents(school, filters: Filters) -> QuerySet[Incident]:
    """The log page's rows: the columns it shows and its action counts, counted in SQL."""
    incidents = filters.apply(Incident.objects.filter(school=school))
    return (
        incidents.only(*PAGE_COLUMNS)
        .annotate(
            actions_total=Count("actions"),
            actions_done=Count("actions", filter=Q(actions__done_at__isnull=False)),
        )
        .order_by("-aware_at", "-id")
    )


def log_incidents(school, filters: Filters) -> QuerySet[Incident]:
    """The school's incidents the filters choose, newest awareness first, with their actions."""
    incidents = filters.apply(Incident.objects.filter(school=school))
    return incidents.prefetch_related(
        Prefetch("actions", queryset=ACTION_COLUMNS.order_by("due_on", "id"))
    ).order_by("-aware_at", "-id")


# The dashboard's counts ----------------------------------------------------------------------


@dataclass(frozen=True)
class OpenCounts:
    open: int  # not closed
    overdue: int  # the 72 hours have passed and the ICO is neither told nor ruled out
    # When the school first became aware of an incident (the breach log's oldest term).
    first_aware: dt.datetime | None = field(default=None, compare=False)


def open_counts(schools, now: dt.datetime | None = None) -> OpenCounts:
    """Open incidents, those past the 72-hour clock without a decision, and the first
    awareness, in one query.

    `schools` is a school or a queryset of schools (a trust's dashboard).
    """
    now = now or timezone.now()
    many = isinstance(schools, QuerySet)
    incidents = Incident.objects.filter(**{"school__in" if many else "school": schools})
    late = clock_running_q() & Q(aware_at__lt=now - dt.timedelta(hours=ICO_HOURS))
    counts = incidents.order_by().aggregate(
        open=Count("id", filter=~Q(status=Incident.Status.CLOSED)),
        overdue=Count("id", filter=late),
        first=Min("aware_at"),
    )
    return OpenCounts(open=counts["open"], overdue=counts["overdue"], first_aware=counts["first"])


# Termly figures ------------------------------------------------------------------------------

OUTCOMES = [
    ("in_time", "Told the ICO within 72 hours"),
    ("late", "Told the ICO late"),
    ("not_reportable", "Not reportable"),
    ("pending", "ICO decision open"),
]


def _outcome() -> Case:
    deadline = F("aware_at") + dt.timedelta(hours=ICO_HOURS)
    return Case(
        When(notify_ico=True, ico_notified_at__gt=deadline, then=Value("late")),
        When(notify_ico=True, ico_notified_at__isnull=False, then=Value("in_time")),
        When(notify_ico=False, then=Value("not_reportable")),
        default=Value("pending"),
    )


@dataclass
class TermFigures:
    term: Term
    by_kind: dict[str, int]
    by_outcome: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


def termly_figures(school, last: Term, terms: int = 6) -> list[TermFigures]:
    """Incidents by kind and by ICO outcome for `terms` terms up to `last`, in one query."""
    chosen = [last]
    while len(chosen) < terms:
        chosen.insert(0, chosen[0].previous())
    figures = [
        TermFigures(t, dict.fromkeys(Kind.values, 0), {k: 0 for k, _ in OUTCOMES}) for t in chosen
    ]
    spans = [t.bounds() for t in chosen]
    which = Case(
        *[When(aware_at__gte=a, aware_at__lt=b, then=Value(i)) for i, (a, b) in enumerate(spans)],
        output_field=IntegerField(),
    )
    rows = (
        Incident.objects.filter(school=school, aware_at__gte=spans[0][0], aware_at__lt=spans[-1][1])
        .annotate(term=which, outcome=_outcome())
        .order_by()
        .values("term", "kind", "outcome")
        .annotate(n=Count("id"))
    )
    kinds = set(Kind.values)  # computed by the enum on each access
    for row in rows:
        kind = row["kind"] if row["kind"] in kinds else Kind.OTHER
        figures[row["term"]].by_kind[kind] += row["n"]
        figures[row["term"]].by_outcome[row["outcome"]] += row["n"]
    return figures


# The export ----------------------------------------------------------------------------------


def _local(value: dt.datetime | None) -> dt.datetime | None:
    """A local time without its zone: spreadsheets cannot hold one."""
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _when(value: dt.datetime | None) -> str:
    return long_datetime(value) if value else "not known"


def _yes_no(value: bool | None) -> str:
    return {True: "Yes", False: "No"}.get(value, "Not decided")


def steps_taken(incident: Incident, today: dt.date) -> str:
    lines = [f"When reported: {incident.done_already}"] if incident.done_already else []
    for action in incident.actions.all():
        if action.done_at:
            state = f"done {long_date(action.done_at)}"
        else:
            late = ", overdue" if action.due_on < today else ""
            state = f"open, due {long_date(action.due_on)}{late}"
        who = action.owner.get_full_name() or action.owner.email
        lines.append(f"{action.get_kind_display()}: {action.description} ({who}; {state})")
    return "\n".join(lines) or "None recorded"


def consequences(incident: Incident) -> str:
    if not incident.risk:
        return "Not yet assessed"
    levels = dict(Level.choices)
    parts = [incident.get_risk_display()]
    if incident.likelihood or incident.severity:
        likelihood = levels.get(incident.likelihood, "?").lower()
        severity = levels.get(incident.severity, "?").lower()
        parts[0] += f" (likelihood {likelihood}, severity {severity})"
    return "\n".join([*parts, incident.risk_reasoning] if incident.risk_reasoning else parts)


def ico_told(incident: Incident) -> str:
    if incident.notify_ico is False:
        return f"No: {incident.not_notifiable_reason or 'no reason recorded'}"
    if incident.ico_notified_at:
        reference = f", reference {incident.ico_reference}" if incident.ico_reference else ""
        told = f"Yes, {_when(incident.ico_notified_at)}{reference}"
        if incident.notified_late:
            told += f"\nLate: {incident.late_reason or 'no reason recorded'}"
        return told
    decided = "Decided to tell, not yet told" if incident.notify_ico else "Not decided"
    return f"{decided} (72 hours end {_when(incident.ico_deadline)})"


def people_told(incident: Incident) -> str:
    if incident.tell_people is None:
        return "Not decided"
    if not incident.tell_people:
        return f"No: {incident.not_telling_reason or 'no reason recorded'}"
    if incident.people_told_on:
        how = f" ({incident.people_told_how})" if incident.people_told_how else ""
        return f"Yes, on {long_date(incident.people_told_on)}{how}"
    return "Yes, not yet told"


def data_affected(incident: Incident) -> str:
    count = incident.people_affected
    lines = [incident.personal_data or "Not recorded"]
    lines.append(f"About {count} people" if count is not None else "Number of people not known")
    if incident.children_data:
        lines.append("Children's data")
    if incident.special_category:
        lines.append("Special category data")
    if incident.system_or_asset:
        lines.append(f"System or asset: {incident.system_or_asset}")
    return "\n".join(lines)


XLSX_COLUMNS = [
    ("Reference", 14), ("Kind", 16), ("Status", 11), ("What happened", 40),
    ("Happened", 15), ("Discovered", 15), ("School became aware", 15), ("72 hours end", 15),
    ("System or asset", 16), ("Personal data affected", 28), ("People affected", 9),
    ("Children's data", 9), ("Special category data", 9), ("Likely consequences", 36),
    ("Steps taken", 48), ("ICO decision", 10), ("ICO told on", 15), ("ICO reference", 14),
    ("Why the ICO was not told", 30), ("Told late", 8), ("Reason for the delay", 30),
    ("People affected told", 30), ("Cause", 30), ("Lessons learned", 30), ("Closed", 15),
]  # fmt: skip
PDF_COLUMNS = [
    ("Reference", 13), ("What happened", 30), ("When", 17), ("Data and people affected", 22),
    ("Likely consequences", 22), ("Steps taken", 30), ("Told the ICO", 22),
    ("Affected people told", 17), ("Cause and lessons", 25),
]  # fmt: skip


def _xlsx_row(i: Incident, today: dt.date) -> list:
    return [
        i.reference, i.get_kind_display(), i.get_status_display(), i.what_happened,
        _local(i.happened_at), _local(i.discovered_at), _local(i.aware_at),
        _local(i.ico_deadline), i.system_or_asset, i.personal_data, i.people_affected,
        "Yes" if i.children_data else "No", "Yes" if i.special_category else "No",
        consequences(i), steps_taken(i, today), _yes_no(i.notify_ico), _local(i.ico_notified_at),
        i.ico_reference, i.not_notifiable_reason, "Yes" if i.notified_late else "No",
        i.late_reason, people_told(i), i.cause, i.lessons, _local(i.closed_at),
    ]  # fmt: skip


def _pdf_row(i: Incident, today: dt.date) -> list:
    when = (
        f"Happened: {_when(i.happened_at)}\nDiscovered: {_when(i.discovered_at)}\n"
        f"School aware: {_when(i.aware_at)}"
    )
    lessons = "\n".join(f"{k}: {v}" for k, v in (("Cause", i.cause), ("Lessons", i.lessons)) if v)
    return [
        f"{i.reference}\n{i.get_kind_display()}\n{i.get_status_display()}",
        i.what_happened, when, data_affected(i), consequences(i), steps_taken(i, today),
        ico_told(i), people_told(i), lessons or "Not yet recorded",
    ]  # fmt: skip


def export_table(school, incidents: QuerySet[Incident], *, fmt: str, by, filters: Filters):
    """The log as a DPO hands it to the ICO or the governors: one row per incident."""
    from bastion.lib.exports import Table

    today = timezone.localdate()
    columns, make_row = (XLSX_COLUMNS, _xlsx_row) if fmt == "xlsx" else (PDF_COLUMNS, _pdf_row)

    def rows():
        for incident in incidents.iterator(chunk_size=500):
            yield make_row(incident, today)

    when = timezone.localtime()
    return Table(
        title=f"Breach log of {school.name}",
        sheet="Breach log",
        subtitle=(
            f"Exported {long_datetime(when)} by {by.get_full_name() or by.email}. "
            f"Showing: {filters.describe()}. Times are UK local time; the ICO must be told "
            f"within {ICO_HOURS} hours of the school becoming aware of a reportable breach. "
            "Contains personal data: keep it secure and delete it when no longer needed."
        ),
        headers=[name for name, _ in columns],
        rows=rows(),
        widths=[width for _, width in columns],
    )
