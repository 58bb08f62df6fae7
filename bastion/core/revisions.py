"""What may have changed at a school since an answer was computed, register by register.

Every statement sent through Django's connection passes a query wrapper (installed on each
connection as it opens). It notes the table each INSERT, UPDATE and DELETE writes to; the audit
event that records the change (every change to a register is recorded, bastion.core.audit)
then moves, for the event's school, the revision of each register written since the event
before it. Writes made after the event in the same transaction move them again at commit.

Readers do the reverse: `reading()` collects the registers the queries inside it read, so a
kept answer (bastion.controls.kept) knows exactly what it depends on. A register is an app
(people, equipment...); the school's own row is the register "school", since evaluators read
its settings from the School they are given rather than by a query.

After the response of a request that moved a school's registers, the functions registered
with `@after_change` bring what is kept for that school up to date (`refresh_after_response`),
so the next page shown there finds it ready: the person who made the change does not wait for
it, and nobody after them does either. Changes made outside a request (the scheduler's jobs)
are brought up to date by the controls-refresh job.

What is not recorded in the audit trail (a change made in a shell behind the services' back)
moves nothing: kept answers also expire after a quarter of an hour.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
from collections.abc import Callable
from contextlib import contextmanager
from functools import partial

from django.apps import apps
from django.conf import settings
from django.db import transaction

from bastion.core.models import Membership, RegisterRevision

SCHOOL = "school"  # the register of the School row itself
# Bookkeeping written by every event or every read: never a register anything depends on.
UNTRACKED = {
    "core_auditevent",
    "core_audithead",
    "core_registerrevision",
    "controls_keptevaluation",
    "django_session",
}
logger = logging.getLogger(__name__)
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_QUOTED = re.compile(r'"([A-Za-z0-9_]+)"')


class _State(threading.local):
    def __init__(self):
        self.written: set[str] = set()  # registers written since the last event
        self.schools: list[int] = []  # the schools of the last event, for writes after it
        self.reading: list[set[str]] = []  # open `reading()` collectors, innermost last
        self.moved: set[int] = set()  # schools whose registers this request moved


_state = _State()
_registers: dict[str, str] = {}


def register_of_table(table: str) -> str | None:
    """The register (app label, or "school") of a table; None for bookkeeping and unknowns."""
    if not _registers:
        for model in apps.get_models(include_auto_created=True):
            label = SCHOOL if model._meta.label_lower == "core.school" else model._meta.app_label
            _registers[model._meta.db_table] = label
        for table_name in UNTRACKED:
            _registers[table_name] = ""
    return _registers.get(table) or None


def _tables(sql: str) -> set[str]:
    return {r for name in _QUOTED.findall(sql) if (r := register_of_table(name))}


def note_query(execute, sql, params, many, context):
    """The query wrapper: note what a statement writes, and what it reads while collecting."""
    if _state.reading:
        found = _tables(sql)
        for collector in _state.reading:
            collector |= found
    if _WRITE.match(sql):
        # The statement's target is the first table it names.
        for name in _QUOTED.findall(sql):
            if name in UNTRACKED:
                break
            if register := register_of_table(name):
                _state.written.add(register)
                break
    return execute(sql, params, many, context)


def install(sender=None, connection=None, **kwargs) -> None:
    """On `connection_created`: wrap every statement of this connection (once)."""
    if note_query not in connection.execute_wrappers:
        connection.execute_wrappers.append(note_query)


def forget_writes(**kwargs) -> None:
    """At a request's start: writes of an earlier request without an event count for nothing."""
    _state.written.clear()
    _state.schools = []
    _state.moved.clear()


_after: list[Callable[[list[int]], None]] = []


def after_change(func: Callable[[list[int]], None]):
    """Register `func(school_ids)`, called after the response of a request that moved those
    schools' registers, to bring what is kept for them up to date."""
    if func not in _after:
        _after.append(func)
    return func


def refresh_after_response(**kwargs) -> None:
    """On `request_finished`, once the response has gone: the `@after_change` functions, for
    the schools this request changed. A failure is logged, never shown: the page computes
    what is missing itself."""
    ids, _state.moved = sorted(_state.moved), set()
    if ids and settings.BASTION_REFRESH_AFTER_CHANGE:
        refresh(ids)


def refresh(ids: list[int]) -> None:
    """Bring what is kept for these schools up to date (the `@after_change` functions)."""
    for func in _after:
        try:
            func(ids)
        except Exception:
            logger.exception("Could not bring what is kept up to date for schools %s", ids)


@contextmanager
def reading():
    """Collect the registers read by the queries inside (and by kept answers reused inside)."""
    found: set[str] = {SCHOOL}
    _state.reading.append(found)
    try:
        yield found
    finally:
        _state.reading.pop()  # collectors nest: the innermost closes first


def note_read(registers) -> None:
    """A kept answer reused inside open collectors: they depend on what it read."""
    for collector in _state.reading:
        collector |= registers


def moved(school, actor) -> None:
    """Called by `audit.record` for each event, inside its transaction and the head's lock.

    The registers written since the last event move for the event's school; a member's own
    account event (no school: enrolling two-factor authentication) moves them for every school
    the member belongs to. An event that wrote nothing (a sign-in attempt, a download) moves
    nothing."""
    if school is not None:
        ids = [school.pk]
    elif actor is not None:
        ids = list(
            Membership.objects.filter(user=actor, active=True).values_list("school_id", flat=True)
        )
    else:
        ids = []
    _state.schools = ids
    _move(ids)
    transaction.on_commit(partial(_move_after, ids), robust=True)


def _move_after(ids: list[int]) -> None:
    """At commit: writes made after the event, in the same transaction, move their registers."""
    if _state.schools == ids:
        _move(ids)


def _move(ids: list[int]) -> None:
    written, _state.written = _state.written, set()
    if not ids or not written:
        return
    token = secrets.randbits(62)
    _state.moved.update(ids)
    RegisterRevision.objects.bulk_create(
        [RegisterRevision(school_id=pk, register=r, token=token) for pk in ids for r in written],
        update_conflicts=True,
        unique_fields=["school", "register"],
        update_fields=["token"],
    )


def revisions(schools) -> dict[int, dict[str, int]]:
    """{school id: {register: token}} (a register never written has none); one query."""
    ids = [s.pk for s in schools]
    found: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    rows = RegisterRevision.objects.filter(school_id__in=ids).values_list(
        "school_id", "register", "token"
    )
    for pk, register, token in rows:
        found[pk][register] = token
    return found
