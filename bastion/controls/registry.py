"""Computed evidence for the controls: each register says how well its rows are kept.

A register adds a function with `@computed("P6")`. It takes the schools to evaluate (a list of
`School`) and today's date, and returns `{school_id: Evidence}` for every school it was given,
using a fixed number of queries whatever the number of schools or rows (aggregate in SQL, one
query over all the schools, never a query per school): the trust matrix evaluates 50 schools
at once. A row may have several computed parts (e.g. P11 from systems and from Bastion's own
password age); the dashboard shows each and the control's status is the worst of them.

Several parts often read the same rows (the equipment controls all read the devices): a helper
marked `@shared` runs once per evaluation pass (`evaluation_pass()`) for the same schools.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import wraps

from bastion.controls.catalogue import ROWS
from bastion.lib.plain import keepable

MET = "met"
ATTENTION = "attention"  # needs attention: say why and link to the page that fixes it
OVERDUE = "overdue"  # something is past its date (a check, a clock, a review)
NOT_APPLICABLE = "not_applicable"
STATUSES = (MET, ATTENTION, OVERDUE, NOT_APPLICABLE)
# Worst first: a control's status is the worst of its parts.
SEVERITY = {OVERDUE: 0, ATTENTION: 1, MET: 2, NOT_APPLICABLE: 3}


@keepable
@dataclass(frozen=True)
class Action:
    """One thing to do, as the dashboard lists it: "4 staff without a barred-list check"."""

    text: str
    url: str
    count: int = 1


@keepable
@dataclass(frozen=True)
class Evidence:
    status: str
    summary: str  # one line, plain words: "212 of 230 staff have a complete SCR entry (92%)"
    actions: tuple[Action, ...] = ()
    value: float | None = None  # a share between 0 and 1 where one makes sense, for trends
    facts: dict = field(default_factory=dict)  # figures the policy text may quote

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")


Evaluator = Callable[[Sequence, dt.date], dict[int, Evidence]]


@dataclass(frozen=True)
class Computed:
    code: str
    name: str  # what this part measures, e.g. "Agreement coverage"
    func: Evaluator

    @property
    def key(self) -> str:
        """Names the part where its evidence is kept (bastion.controls.kept)."""
        return f"{self.code}:{self.func.__module__}.{self.func.__qualname__}"


COMPUTED: dict[str, list[Computed]] = {}


def computed(code: str, name: str = ""):
    """Register an evaluator of policy row `code` (see bastion/controls/catalogue.py)."""
    if code not in ROWS:
        raise KeyError(f"unknown policy row {code!r}")

    def register(func: Evaluator) -> Evaluator:
        part = Computed(code, name or func.__name__.replace("_", " ").capitalize(), func)
        parts = COMPUTED.setdefault(code, [])
        # Re-importing a module must not register the same part twice.
        parts[:] = [
            p
            for p in parts
            if p.func.__qualname__ != func.__qualname__ or p.func.__module__ != func.__module__
        ]
        parts.append(part)
        return func

    return register


def evaluate(
    code: str, schools: Sequence, today: dt.date
) -> dict[int, list[tuple[Computed, Evidence]]]:
    """Every computed part of `code` for each school, as (part, evidence) pairs."""
    result: dict[int, list[tuple[Computed, Evidence]]] = {s.pk: [] for s in schools}
    for part in COMPUTED.get(code, []):
        found = part.func(schools, today)
        for school in schools:
            result[school.pk].append((part, found[school.pk]))
    return result


def worst(statuses) -> str:
    statuses = list(statuses)
    return min(statuses, key=SEVERITY.__getitem__) if statuses else NOT_APPLICABLE


_pass: ContextVar[dict | None] = ContextVar("evaluation_pass", default=None)


@contextmanager
def evaluation_pass():
    """Within: each `@shared` helper runs once for the same schools and arguments."""
    token = _pass.set({})
    try:
        yield
    finally:
        _pass.reset(token)


def shared(func):
    """Mark a helper several evaluators call with the same `(schools, *args)`: within an
    evaluation pass its answer is computed once (treat it as read-only)."""

    @wraps(func)
    def wrapper(schools, *args):
        memo = _pass.get()
        if memo is None:
            return func(schools, *args)
        key = (func, tuple(s.pk for s in schools), args)
        if key not in memo:
            memo[key] = func(schools, *args)
        return memo[key]

    return wrapper
