"""Answers computed from the registers, kept per school and reused until what they read changes.

`reuse_parts(name, schools, today, parts)` answers each part for each school: from what is kept
when nothing the part read has been written at that school since (bastion.core.revisions), the
day is the same and a quarter of an hour has not passed; otherwise by computing it, for all the
schools where it is stale at once. A new laptop at one school evaluates that school's equipment
controls again, and nothing else.

One row per school and name holds its parts: a trust's fifty schools are read in one query and
written in one, whatever the number of parts. Reused inside another kept answer, a part passes
on what it read, so the outer answer depends on it too.
"""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Callable, Sequence

from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from bastion.controls.models import KeptEvaluation
from bastion.core.revisions import note_read, reading, revisions

# How long a computed part may be reused while nothing it read is written: time-driven changes
# (an ICO clock running out, a check falling due) show within this, written ones at once.
REUSE_SECONDS = 15 * 60
# Part of every key: a release that changes what is kept starts afresh.
CACHE_VERSION = 3
SEAL_SALT = "bastion.controls.kept-evaluation"


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
    computed are added to `evaluated`. With `ahead` (seconds), a part that would pass its
    quarter hour within that time counts as stale already (the refresh job's margin, so that
    pages do not meet it expired).

    Two queries when every part is kept, one more otherwise, whatever the number of schools.
    """
    schools = list(schools)
    current = revisions(schools)
    keys = {s.pk: f"{name}:v{CACHE_VERSION}:{s.pk}:{today}" for s in schools}
    now = timezone.now()
    oldest = now.timestamp() - REUSE_SECONDS + ahead
    rows = dict(
        KeptEvaluation.objects.filter(key__in=keys.values(), expires_at__gt=now).values_list(
            "key", "value"
        )
    )
    kept = {}
    for school in schools:
        value = _unseal(rows.get(keys[school.pk]))
        kept[school.pk] = value if isinstance(value, dict) else {}
    found: dict[int, dict[str, object]] = {s.pk: {} for s in schools}
    changed: set[int] = set()
    for part, compute in parts.items():
        stale = []
        for school in schools:
            entry = kept[school.pk].get(part)
            if entry is not None and _fresh(entry, current[school.pk], oldest):
                found[school.pk][part] = entry[0]
                note_read(entry[1])
            else:
                stale.append(school)
        if not stale:
            continue
        with reading() as read:
            fresh = compute(stale)
        for school in stale:
            moved = current[school.pk]
            stamps = {register: moved.get(register, 0) for register in read}
            kept[school.pk][part] = (fresh[school.pk], frozenset(read), stamps, now.timestamp())
            found[school.pk][part] = fresh[school.pk]
            changed.add(school.pk)
    if changed:
        expires = now + dt.timedelta(seconds=REUSE_SECONDS)
        KeptEvaluation.objects.bulk_create(
            [
                KeptEvaluation(
                    key=keys[pk], school_id=pk, value=_seal(kept[pk]), expires_at=expires
                )
                for pk in sorted(changed)
            ],
            update_conflicts=True,
            unique_fields=["key"],
            update_fields=["value", "expires_at"],
        )
        if evaluated is not None:
            evaluated |= changed
    return found


def reuse_each(
    name: str, schools: Sequence, today: dt.date, compute, ahead: float = 0
) -> dict[int, object]:
    """`reuse_parts` with one part: {school id: answer}."""
    found = reuse_parts(name, schools, today, {"answer": compute}, ahead=ahead)
    return {pk: parts["answer"] for pk, parts in found.items()}


def _fresh(entry, moved: dict[str, int], oldest: float) -> bool:
    """Kept within the quarter hour, and nothing it read written at the school since."""
    _, _, stamps, at = entry
    return at > oldest and all(moved.get(r, 0) == token for r, token in stamps.items())


def _seal(value) -> bytes:
    data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    return salted_hmac(SEAL_SALT, data, algorithm="sha256").digest() + data


def _unseal(sealed) -> object | None:
    """The kept value, if Bastion sealed it: a row written by anyone else (with access to the
    database, but not the secret key) is ignored rather than unpickled."""
    if sealed is None:
        return None
    sealed = bytes(sealed)
    mac, data = sealed[:32], sealed[32:]
    if not constant_time_compare(mac, salted_hmac(SEAL_SALT, data, algorithm="sha256").digest()):
        return None
    try:
        return pickle.loads(data)  # noqa: S301 - sealed above with the secret key
    except (AttributeError, ImportError, TypeError, pickle.UnpicklingError):
        return None  # kept by an earlier release whose classes have changed: evaluate again


def forget_expired() -> int:
    """Drop kept answers past their time; returns how many."""
    return KeptEvaluation.objects.filter(expires_at__lte=timezone.now()).delete()[0]
