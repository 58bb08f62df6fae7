"""Answers computed from the registers, kept per school and reused while nothing changed there.

`reuse_parts(name, schools, today, parts)` answers each part for each school from what is kept
when the school's change generation (bastion.core.generations) is the one it was computed at,
the day is the same and it is younger than REUSE_SECONDS; otherwise by computing it, for all
the schools where it is stale at once. One row per school and name holds its parts as plain
JSON: a trust's fifty schools are read in one query and written in one, whatever the number of
parts. The refresh job (controls-refresh) computes ahead what is stale, so pages seldom do.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence

from django.utils import timezone

from bastion.controls.models import KeptEvaluation
from bastion.core.generations import generations
from bastion.lib.plain import dump, loads

# How long a computed part may be reused while nothing is recorded at the school: time-driven
# changes (an ICO clock running out, a check falling due) show within this, recorded ones at
# once.
REUSE_SECONDS = 15 * 60


def reuse_parts(
    name: str,
    schools: Sequence,
    today: dt.date,
    parts: dict[str, Callable[[list], dict[int, object]]],
    evaluated: set[int] | None = None,
    ahead: float = 0,
) -> dict[int, dict[str, object]]:
    """{school id: {part: answer}}. `parts[part](stale)` answers one part, in one go, for the
    schools where it is stale ({id: answer}). The ids of the schools where anything was
    computed are added to `evaluated`. With `ahead` (seconds), what would pass its time within
    that margin counts as stale already (the refresh job's margin, so that pages do not meet
    it expired).

    Two queries when everything is kept, one more otherwise, whatever the number of schools.
    """
    schools = list(schools)
    # Read before anything is computed: a change committed while computing then leaves what is
    # kept marked with the older number, so it is computed again rather than trusted.
    current = generations(schools)
    keys = {s.pk: f"{name}:{s.pk}:{today}" for s in schools}
    now = timezone.now()
    rows = dict(
        KeptEvaluation.objects.filter(
            key__in=keys.values(), expires_at__gt=now + dt.timedelta(seconds=ahead)
        ).values_list("key", "value")
    )
    kept = {s.pk: _read(rows.get(keys[s.pk]), current[s.pk]) for s in schools}
    changed: set[int] = set()
    for part, compute in parts.items():
        stale = [s for s in schools if part not in kept[s.pk]]
        if not stale:
            continue
        answers = compute(stale)
        for school in stale:
            kept[school.pk][part] = answers[school.pk]
            changed.add(school.pk)
    if changed:
        expires = now + dt.timedelta(seconds=REUSE_SECONDS)
        KeptEvaluation.objects.bulk_create(
            [
                KeptEvaluation(
                    key=keys[pk],
                    school_id=pk,
                    value=json.dumps(
                        {"generation": current[pk], "parts": dump(kept[pk])},
                        separators=(",", ":"),
                    ),
                    expires_at=expires,
                )
                for pk in sorted(changed)
            ],
            update_conflicts=True,
            unique_fields=["key"],
            update_fields=["value", "expires_at"],
        )
        if evaluated is not None:
            evaluated |= changed
    return {pk: {part: kept[pk][part] for part in parts} for pk in kept}


def _read(value: str | None, generation: int) -> dict:
    """The parts of a kept row that may be reused: none when the row was kept at another
    generation, or cannot be read back (written by an earlier release whose answers had other
    fields, say: they are computed again, with no version to bump)."""
    try:
        row = loads(value or "{}")
        return dict(row["parts"]) if row.get("generation") == generation else {}
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}


def reuse_each(
    name: str, schools: Sequence, today: dt.date, compute, ahead: float = 0
) -> dict[int, object]:
    """`reuse_parts` with one part: {school id: answer}."""
    found = reuse_parts(name, schools, today, {"answer": compute}, ahead=ahead)
    return {pk: parts["answer"] for pk, parts in found.items()}


def forget_expired() -> int:
    """Drop kept answers past their time; returns how many."""
    return KeptEvaluation.objects.filter(expires_at__lte=timezone.now()).delete()[0]
