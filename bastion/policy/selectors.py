"""Reads of the policy that other apps use (the controls dashboard)."""

from __future__ import annotations

from collections.abc import Iterable

from bastion.policy.models import Statement


def not_applicable(schools: Iterable) -> dict[int, dict[str, str]]:
    """{school id: {row code: reason}} for the rows whose every statement is marked not
    applicable in that school's policy (one query for all the schools).

    `schools` are School objects or ids. A row with no statement at all is not listed: only a
    school's decision makes a row not applicable.
    """
    ids = [getattr(s, "pk", s) for s in schools]
    result: dict[int, dict[str, str]] = {pk: {} for pk in ids}
    if not ids:
        return result
    rows = (
        Statement.objects.filter(school_id__in=ids)
        .exclude(code="")
        .order_by("school_id", "code", "position", "id")
        .values_list("school_id", "code", "applicable", "reason")
    )
    reasons: dict[tuple[int, str], list[str]] = {}
    applies: set[tuple[int, str]] = set()
    for school_id, code, applicable, reason in rows:
        key = (school_id, code)
        if applicable:
            applies.add(key)
        elif reason not in reasons.setdefault(key, []):
            reasons[key].append(reason)
    for (school_id, code), found in reasons.items():
        if (school_id, code) not in applies:
            result[school_id][code] = "; ".join(found)
    return result
