"""The audit trail: append an event, and verify that nobody has altered or removed one.

Each event's hash covers its content and the previous event's hash, so changing any stored
field, removing a row, or removing the newest row (the head keeps the tip and the count) breaks
the chain at the first tampered entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from bastion.core import clients, generations
from bastion.core.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _plain(value: Any) -> Any:
    """A JSON-safe, stable form of a field value."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The values of `fields` on `obj`, ready to compare before and after a change."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed."""
    keys = before.keys() | after.keys()
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def digest(event: AuditEvent) -> str:
    """The hash an event must carry: its content and the hash of the event before it."""
    at = event.at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    payload = {
        "at": at,
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "school": event.school_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "changes": event.changes,
        "ip": event.ip,
        "prev": event.prev_hash,
    }
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def client_ip(request) -> str | None:
    """The client's address in the form the database stores it (so the hash still matches),
    read through the trusted proxies as everywhere else (bastion.core.clients)."""
    return clients.client_ip(request)


def _head() -> AuditHead:
    """The chain's tip, locked until the transaction ends: the last lock any transaction takes
    (bastion.lib.db gives the order). A fresh (or flushed) database starts the chain here."""
    head = AuditHead.objects.select_for_update(no_key=True).filter(pk=1).first()
    if head is None:
        # If events exist without a head, verify() reports it: the count will not match.
        AuditHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS, "count": 0})
        head = AuditHead.objects.select_for_update(no_key=True).get(pk=1)
    return head


def record(
    action: str,
    *,
    actor=None,
    school=None,
    obj: models.Model | None = None,
    changes: dict | None = None,
    request=None,
    actor_label: str = "",
    object_repr: str = "",
) -> AuditEvent:
    """Append one event to the audit log; runs inside the caller's transaction.

    `changes` maps a field to [before, after] (what `diff` gives); any other value is shown as
    a plain fact, so give a two-item list fact as text (", ".join(...)) to keep it one.
    """
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    with transaction.atomic():
        head = _head()
        event = AuditEvent(
            at=timezone.now(),
            actor=actor,
            actor_label=(actor.email if actor is not None else actor_label)[:254],
            school=school,
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
            changes=_plain(changes or {}),
            ip=client_ip(request),
            prev_hash=head.last_hash,
        )
        event.hash = digest(event)
        event.save()
        head.last_hash = event.hash
        head.count += 1
        head.save(update_fields=["last_hash", "count"])
        generations.bump(action, school, actor)
    return event


@dataclass
class Verdict:
    ok: bool
    checked: int
    message: str
    first_bad_id: int | None = None


def verify(using: str = "default") -> Verdict:
    """Walk the whole chain in order; name the first entry that does not fit."""
    prev = GENESIS
    checked = 0
    events = AuditEvent.objects.using(using).order_by("id")
    for event in events.iterator(chunk_size=2000):
        if event.prev_hash != prev:
            return Verdict(
                False,
                checked,
                f"entry {event.id}: the entry before it was altered or removed",
                event.id,
            )
        if digest(event) != event.hash:
            return Verdict(False, checked, f"entry {event.id}: its content was altered", event.id)
        prev = event.hash
        checked += 1
    head = AuditHead.objects.using(using).filter(pk=1).first()
    head = head or AuditHead(last_hash=GENESIS, count=0)
    if head.last_hash != prev or head.count != checked:
        return Verdict(
            False,
            checked,
            f"the newest entries were removed: the log ends after {checked} entries, "
            f"{head.count} were written",
        )
    return Verdict(True, checked, f"audit log intact: {checked} entries")
