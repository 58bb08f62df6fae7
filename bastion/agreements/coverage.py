"""Who must sign which agreement, and who has: counted in the database, a fixed number of
queries whatever the size of the school (or of the trust).

A person's audience comes from their kind, and for pupils from their year group and the
school's "younger pupils up to" setting. Contractors sign their own company's terms and are
not an audience of the policy. Only people on roll today count (leavers are archived).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Value,
    When,
)
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from bastion.agreements.models import AgreementSettings, Audience, Signature
from bastion.controls.kept import reuse_each
from bastion.lib.plain import keepable
from bastion.people.models import YEAR_GROUPS, Kind, ParentLink, Person, current_q

YEAR_ORDER = [code for code, _ in YEAR_GROUPS]
YEAR_LABELS = dict(YEAR_GROUPS)
DEFAULT_YOUNGER_UP_TO = AgreementSettings._meta.get_field("younger_up_to").default
KIND_AUDIENCE = {
    Kind.STAFF: Audience.STAFF,
    Kind.GOVERNOR: Audience.GOVERNOR,
    Kind.VOLUNTEER: Audience.VOLUNTEER,
    Kind.PARENT: Audience.PARENT,
}
SIGNING_KINDS = [*KIND_AUDIENCE, Kind.PUPIL]
# An adult's audience is named as their kind (audience_expression relies on it).
assert all(kind.value == audience.value for kind, audience in KIND_AUDIENCE.items())


def younger_groups(up_to: str) -> list[str]:
    """Year groups that sign the younger pupils' agreement: nursery up to `up_to`."""
    return YEAR_ORDER[: YEAR_ORDER.index(up_to) + 1] if up_to in YEAR_ORDER else []


def audience_of(person: Person, up_to: str) -> str:
    if person.kind == Kind.PUPIL:
        younger = person.year_group in younger_groups(up_to)
        return Audience.PUPIL_YOUNGER if younger else Audience.PUPIL_OLDER
    return KIND_AUDIENCE.get(person.kind, "")


def audience_expression(up_to_by_school: dict[int, str] | None = None, prefix: str = "") -> Case:
    """SQL for a person's audience (`prefix`: the path to the person, e.g. "person__").
    `up_to_by_school` names the schools whose setting differs from the default (a pupil with no
    year group recorded signs the older pupils' agreement).

    An adult's audience has their kind's name, so the adults take one branch (the fewer the
    branches, the less the ORM spends building the query, which is most of its time)."""
    younger, older = Value(Audience.PUPIL_YOUNGER), Value(Audience.PUPIL_OLDER)
    year_in, kind = f"{prefix}year_group__in", f"{prefix}kind"
    pupil_whens = [
        When(
            **{f"{prefix}school_id": school_id},
            then=Case(When(**{year_in: younger_groups(up_to)}, then=younger), default=older),
        )
        for school_id, up_to in (up_to_by_school or {}).items()
    ]
    pupil_whens.append(When(**{year_in: younger_groups(DEFAULT_YOUNGER_UP_TO)}, then=younger))
    return Case(
        When(**{kind: Kind.PUPIL}, then=Case(*pupil_whens, default=older)),
        When(**{f"{kind}__in": list(KIND_AUDIENCE)}, then=F(kind)),
        default=Value(""),
        output_field=CharField(),
    )


def audience_q(audience: str, up_to: str) -> Q:
    """The people of one audience at a school whose younger pupils are up to `up_to`, said with
    the columns themselves: the database estimates how many match (it cannot for the audience's
    CASE) and so picks a plan that reads each person's signatures once."""
    younger = younger_groups(up_to)
    if audience == Audience.PUPIL_YOUNGER:
        return Q(kind=Kind.PUPIL, year_group__in=younger)
    if audience == Audience.PUPIL_OLDER:
        return Q(kind=Kind.PUPIL) & ~Q(year_group__in=younger)
    return Q(kind=audience)


def signed_expression(school_ids: list[int] | None = None, audience: str = "") -> Exists:
    """Has the person signed their audience's agreement at or after its baseline version?

    `school_ids` (the schools counted) keeps the database to their signatures when it chooses
    to read them all at once rather than person by person. `audience`, when every person asked
    about is of that one audience, names it: a constant the database plans for, where the
    audience's CASE per person leaves it guessing (on PostgreSQL, half the unsigned list's
    time)."""
    signatures = Signature.objects.filter(
        person=OuterRef("pk"),
        # Always true (a person signs their own school's agreements), and what lets the
        # database find the one agreement by its (school, audience) index instead of trying
        # every school's agreement of that audience.
        agreement__school_id=OuterRef("school_id"),
        agreement__audience=audience or OuterRef("audience"),
        number__gte=F("agreement__baseline_number"),
    )
    if school_ids is not None:
        signatures = signatures.filter(school_id__in=school_ids)
    return Exists(signatures)


def up_to_map(schools: Iterable) -> dict[int, str]:
    """{school id: younger-up-to} for the schools whose setting is not the default; one query."""
    return dict(
        AgreementSettings.objects.filter(school__in=list(schools))
        .exclude(younger_up_to=DEFAULT_YOUNGER_UP_TO)
        .values_list("school_id", "younger_up_to")
    )


def people(schools, today: dt.date | None = None, up_to: dict[int, str] | None = None):
    """Everyone on roll in `schools` who signs an agreement, annotated with `audience` and
    `is_signed`."""
    schools = list(schools)
    return (
        Person.objects.filter(school__in=schools, kind__in=SIGNING_KINDS)
        .filter(current_q(today or timezone.localdate()))
        .annotate(
            audience=audience_expression(up_to),
            is_signed=signed_expression([s.pk for s in schools]),
        )
    )


@keepable
@dataclass
class Row:
    label: str
    total: int
    signed: int
    audience: str = ""
    year_group: str = ""
    class_name: str = ""

    @property
    def unsigned(self) -> int:
        return self.total - self.signed

    @property
    def unsigned_query(self) -> str:
        """The coverage page's query string listing this row's unsigned people."""
        return urlencode(
            {
                k: v
                for k, v in (
                    ("audience", self.audience),
                    ("year_group", self.year_group),
                    ("class_name", self.class_name),
                )
                if v
            }
        )

    @property
    def percent(self) -> int:
        # Rounded down: 99.6% is not 100% while one person has not signed.
        return int(100 * self.signed / self.total) if self.total else 100


def by_audience(school, today=None, up_to: dict[int, str] | None = None) -> dict[str, Row]:
    """{audience: Row} for every audience (zeros where nobody is in it); one query (+1 for
    the school's setting unless `up_to`, from `up_to_map`, is given)."""
    if up_to is None:
        up_to = up_to_map([school])
    counts = {
        row["audience"]: row
        for row in people([school], today, up_to)
        .values("audience")
        .annotate(total=Count("pk"), signed=Count("pk", filter=Q(is_signed=True)))
        .order_by()
    }
    return {
        a.value: Row(
            a.label,
            counts.get(a.value, {}).get("total", 0),
            counts.get(a.value, {}).get("signed", 0),
            audience=a.value,
        )
        for a in Audience
    }


def summary(school, today=None, up_to: dict[int, str] | None = None):
    """`by_audience` and `pupils_by_class` together, from one grouped query: (audiences,
    classes)."""
    if up_to is None:
        up_to = up_to_map([school])
    pupil = Q(kind=Kind.PUPIL)
    rows = (
        people([school], today, up_to)
        .annotate(
            year=Case(When(pupil, then=F("year_group")), default=Value("")),
            group=Case(When(pupil, then=F("class_name")), default=Value("")),
            is_pupil=Case(When(pupil, then=Value(1)), default=Value(0)),
        )
        .values("audience", "year", "group", "is_pupil")
        .annotate(total=Count("pk"), signed=Count("pk", filter=Q(is_signed=True)))
        .order_by()
    )
    audiences = {a.value: Row(a.label, 0, 0, audience=a.value) for a in Audience}
    classes = []
    for r in rows:
        if r["audience"] in audiences:
            audiences[r["audience"]].total += r["total"]
            audiences[r["audience"]].signed += r["signed"]
        if r["is_pupil"]:
            classes.append(
                Row(
                    _class_label(r["year"], r["group"]),
                    r["total"],
                    r["signed"],
                    audience=r["audience"],
                    year_group=r["year"],
                    class_name=r["group"],
                )
            )
    return audiences, sorted(classes, key=_year_key)


def kept_summary(school, today):
    """`summary` and `parents_by_year` together, (audiences, classes, parents), kept for reuse
    until a change is recorded at the school (a signature, an import, a setting) or the day
    changes: the counts are most of the coverage page's time, the list of who has not
    signed is read afresh each time."""
    return kept_summaries([school], today)[school.pk]


def kept_summaries(schools, today, ahead: float = 0) -> dict[int, tuple]:
    """`kept_summary` of each school, {school id: (audiences, classes, parents)}; `ahead` is
    the refresh job's margin (bastion.controls.kept.reuse_parts)."""

    def count(stale):
        up_to = up_to_map(stale)
        return {s.pk: (*summary(s, today, up_to), parents_by_year(s, today)) for s in stale}

    return reuse_each("agreement-counts", schools, today, count, ahead)


def _year_key(row: Row):
    year = YEAR_ORDER.index(row.year_group) if row.year_group in YEAR_ORDER else len(YEAR_ORDER)
    return (year, row.class_name)


def pupils_by_class(school, today=None, up_to=None) -> list[Row]:
    """One row per class (within year group) of pupils on roll; one query."""
    rows = (
        people([school], today, up_to)
        .filter(kind=Kind.PUPIL)
        .values("audience", "year_group", "class_name")
        .annotate(total=Count("pk"), signed=Count("pk", filter=Q(is_signed=True)))
        .order_by()
    )
    found = [
        Row(
            _class_label(r["year_group"], r["class_name"]),
            r["total"],
            r["signed"],
            audience=r["audience"],
            year_group=r["year_group"],
            class_name=r["class_name"],
        )
        for r in rows
    ]
    return sorted(found, key=_year_key)


def parent_counts(schools, today=None):
    """{school_id, year, total, signed} rows: parents and carers on roll counted under each year
    group of their children on roll, once per year group however many children they have in it
    (a parent of children in two year groups counts in both); one query.

    Read from the schools' links rather than from the parents, so the database reads only these
    schools' links; a parent's audience is always the parents' one."""
    today = today or timezone.localdate()
    ids = [s.pk for s in schools]
    signed = Signature.objects.filter(
        agreement__school_id=F("person__school_id"),
        agreement__audience=Audience.PARENT,
        number__gte=F("agreement__baseline_number"),
        school_id__in=ids,
    )
    return (
        # The parents' and children's school is the link's: saying so lets the database read
        # those schools' people by their index rather than everybody.
        ParentLink.objects.filter(
            school_id__in=ids,
            parent__school_id__in=ids,
            child__school_id__in=ids,
            parent__kind=Kind.PARENT,
        )
        .filter(Q(parent__left_on__isnull=True) | Q(parent__left_on__gt=today))
        .filter(Q(child__left_on__isnull=True) | Q(child__left_on__gt=today))
        .annotate(
            is_signed=ExpressionWrapper(
                Q(parent_id__in=signed.values("person_id")), output_field=BooleanField()
            )
        )
        .values("school_id", year=F("child__year_group"))
        .annotate(
            total=Count("parent_id", distinct=True),
            signed=Count("parent_id", distinct=True, filter=Q(is_signed=True)),
        )
        .order_by()
    )


def parents_by_year(school, today=None) -> list[Row]:
    """One row per year group of the school's pupils, counting their parents; one query."""
    found = [
        Row(
            YEAR_LABELS.get(r["year"], "No year group"),
            r["total"],
            r["signed"],
            audience=Audience.PARENT,
            year_group=r["year"] or "",
        )
        for r in parent_counts([school], today)
    ]
    return sorted(found, key=_year_key)


def by_year(rows: list[Row]) -> list[Row]:
    """Class rows summed per year group (in Python: a few dozen rows at most)."""
    years: dict[tuple[str, str], Row] = {}
    for row in rows:
        key = (row.audience, row.year_group)
        if key not in years:
            years[key] = Row(
                YEAR_LABELS.get(row.year_group, "No year group"),
                0,
                0,
                audience=row.audience,
                year_group=row.year_group,
            )
        years[key].total += row.total
        years[key].signed += row.signed
    return sorted(years.values(), key=_year_key)


def table_body(rows: list[Row], label_suffix: str) -> str:
    """The rows of a count table as HTML, built here rather than through template tags (a
    school's classes make some hundreds of cells); every value is escaped by format_html."""
    if not rows:
        return mark_safe(
            '<tr class="govuk-table__row"><td class="govuk-table__cell" colspan="5">'
            "Nobody to show.</td></tr>"
        )
    cell = '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'
    return format_html_join(
        "\n",
        '<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{}</th>'
        + cell * 4
        + "</tr>",
        (
            (
                row.label,
                row.signed,
                row.total,
                f"{row.percent}%",
                format_html(
                    '<a class="govuk-link" href="?{}#unsigned">{}<span '
                    'class="govuk-visually-hidden"> not signed: {} {}</span></a>',
                    row.unsigned_query,
                    row.unsigned,
                    row.label,
                    label_suffix,
                )
                if row.unsigned
                else 0,
            )
            for row in rows
        ),
    )


def _class_label(year_group: str, class_name: str) -> str:
    year = YEAR_LABELS.get(year_group, "No year group")
    return f"{year}, class {class_name}" if class_name else f"{year}, no class"


def unsigned(
    school,
    *,
    audience: str = "",
    year_group: str = "",
    class_name: str = "",
    today=None,
    up_to: dict[int, str] | None = None,
):
    """People who have not signed the agreement they must, in name order (filterable).

    For parents, year group and class are those of their children.
    """
    today = today or timezone.localdate()
    if up_to is None:
        up_to = up_to_map([school])
    rows = people([school], today, up_to)
    if audience:
        rows = rows.filter(audience_q(audience, up_to.get(school.pk, DEFAULT_YOUNGER_UP_TO)))
        rows = rows.exclude(signed_expression([school.pk], audience))
    else:
        rows = rows.filter(is_signed=False)
    if year_group or class_name:
        pupil = Q(kind=Kind.PUPIL)
        children = ParentLink.objects.filter(school=school).filter(
            Q(child__left_on__isnull=True) | Q(child__left_on__gt=today)
        )
        if year_group:
            pupil &= Q(year_group=year_group)
            children = children.filter(child__year_group=year_group)
        if class_name:
            pupil &= Q(class_name=class_name)
            children = children.filter(child__class_name=class_name)
        rows = rows.filter(pupil | Q(kind=Kind.PARENT, pk__in=children.values("parent_id")))
    return rows.order_by("last_name", "first_name", "pk")
