"""P6 on the compliance dashboard: is every audience's current agreement signed by everyone
who must sign it?

The rule: *met* when everyone on roll in every audience has signed their agreement's current
version (or a later one, or an earlier one still counting because the newer version did not
ask everyone to sign again); *attention* below that, with the largest groups of unsigned
first ("Year 3 parents: 12 unsigned"), each linking to the coverage page filtered to them.
Nothing to sign yet (an empty directory) is *not applicable*. The value is the overall share.
Five queries, whatever the number of schools or people.
"""

from __future__ import annotations

from django.db.models import Case, Count, F, Q, Value, When
from django.urls import reverse
from django.utils.http import urlencode

from bastion.agreements import coverage
from bastion.agreements.models import PUPIL_AUDIENCES, Audience
from bastion.controls.registry import ATTENTION, MET, NOT_APPLICABLE, Action, Evidence, computed
from bastion.lib.text import plural
from bastion.people.models import Kind

MAX_ACTIONS = 8
# Audiences whose unsigned are listed per year group rather than as one action.
BY_YEAR = {Audience.PUPIL_YOUNGER, Audience.PUPIL_OLDER, Audience.PARENT}


def _url(school, **query) -> str:
    base = reverse("agreement-coverage", kwargs={"school": school.slug})
    query = {k: v for k, v in query.items() if v}
    return f"{base}?{urlencode(query)}" if query else base


@computed("P6", "Agreement coverage")
def agreement_coverage(schools, today):
    schools = list(schools)
    up_to = coverage.up_to_map(schools)
    base = coverage.people(schools, today, up_to)
    # One pass for the totals and the pupils' year groups (a year group is "" for adults).
    totals = list(
        base.annotate(year=Case(When(kind=Kind.PUPIL, then=F("year_group")), default=Value("")))
        .values("school_id", "audience", "year")
        .annotate(total=Count("pk"), signed=Count("pk", filter=Q(is_signed=True)))
        .order_by()
    )
    pupils = [
        {**row, "year_group": row["year"], "n": row["total"] - row["signed"]}
        for row in totals
        if row["audience"] in PUPIL_AUDIENCES and row["total"] > row["signed"]
    ]
    parents = [
        {**row, "n": row["total"] - row["signed"]}
        for row in coverage.parent_counts(schools, today)
        if row["total"] > row["signed"]
    ]
    found = {s.pk: {"total": 0, "signed": 0, "actions": []} for s in schools}
    by_pk = {s.pk: s for s in schools}
    for row in totals:
        entry = found[row["school_id"]]
        entry["total"] += row["total"]
        entry["signed"] += row["signed"]
        audience = Audience(row["audience"])
        unsigned = row["total"] - row["signed"]
        if unsigned and audience not in BY_YEAR:
            entry["actions"].append(
                Action(
                    f"{audience.label}: {unsigned} unsigned",
                    _url(by_pk[row["school_id"]], audience=audience.value),
                    unsigned,
                )
            )
    for row in pupils:
        year = coverage.YEAR_LABELS.get(row["year_group"], "No year group")
        found[row["school_id"]]["actions"].append(
            Action(
                f"{year} pupils: {row['n']} unsigned",
                _url(
                    by_pk[row["school_id"]],
                    audience=row["audience"],
                    year_group=row["year_group"],
                ),
                row["n"],
            )
        )
    for row in parents:
        year = coverage.YEAR_LABELS.get(row["year"], "")
        found[row["school_id"]]["actions"].append(
            Action(
                f"{year} parents: {row['n']} unsigned" if year else f"Parents: {row['n']} unsigned",
                _url(by_pk[row["school_id"]], audience=Audience.PARENT, year_group=row["year"]),
                row["n"],
            )
        )
    return {pk: _evidence(entry) for pk, entry in found.items()}


def _evidence(entry: dict) -> Evidence:
    total, signed = entry["total"], entry["signed"]
    if not total:
        return Evidence(NOT_APPLICABLE, "Nobody in the directory signs an agreement yet.")
    share = signed / total
    summary = (
        f"{signed} of {plural(total, 'person has', 'people have')} signed their current "
        "Acceptable Use Agreement "
        f"({int(100 * share)}%)"
    )
    facts = {"signed": signed, "total": total, "unsigned": total - signed}
    if signed == total:
        return Evidence(MET, summary, value=1.0, facts=facts)
    actions = sorted(entry["actions"], key=lambda a: (-a.count, a.text))[:MAX_ACTIONS]
    return Evidence(ATTENTION, summary, actions=tuple(actions), value=share, facts=facts)
