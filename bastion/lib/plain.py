"""Answers as plain JSON data and back, exactly: what the controls keep (bastion.controls.kept)
is stored this way, never pickled.

JSON's own values stay as they are; tuples, dates, HTML marked safe, dicts with other keys and
the dataclasses marked @keepable become one-key objects tagged "~...", so a value read back
equals the one written. Anything else is refused when written, not misread later.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_KEEPABLE: dict[str, type[DataclassInstance]] = {}


def keepable[C: type[DataclassInstance]](cls: C) -> C:
    """Mark a dataclass whose instances parts may answer with (kept by its fields)."""
    tag = f"~{cls.__name__}"
    if _KEEPABLE.setdefault(tag, cls) is not cls:
        raise TypeError(f"two keepable classes are called {cls.__name__}")
    return cls


def dump(value: Any) -> Any:
    """`value` as plain JSON data."""
    if isinstance(value, SafeString):  # HTML built and escaped by Bastion: it stays HTML
        return {"~safe": str(value)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [dump(v) for v in value]
    if isinstance(value, tuple):
        return {"~tuple": [dump(v) for v in value]}
    if isinstance(value, dt.datetime):
        return {"~datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"~date": value.isoformat()}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("~") for k in value):
            return {k: dump(v) for k, v in value.items()}
        return {"~dict": [[dump(k), dump(v)] for k, v in value.items()]}
    tag = f"~{type(value).__name__}"
    if _KEEPABLE.get(tag) is type(value):
        return {tag: {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    raise TypeError(f"{type(value).__name__} cannot be kept: mark it @keepable, or answer plainly")


def dumps(value: Any) -> str:
    """`value` as JSON text."""
    return json.dumps(dump(value), separators=(",", ":"))


def loads(text: str) -> Any:
    """What `dumps` made, as it was. Revived object by object as the C parser meets them (it
    is what a page reading fifty kept matrix rows waits on)."""
    return json.loads(text, object_hook=_revive)


def _revive(data: dict[str, Any]) -> Any:
    if len(data) != 1:
        return data
    ((tag, inner),) = data.items()
    if tag == "~tuple":
        return tuple(inner)
    if tag == "~safe":
        return mark_safe(inner)  # noqa: S308 - written by dump from a SafeString, see there
    if tag == "~datetime":
        return dt.datetime.fromisoformat(inner)
    if tag == "~date":
        return dt.date.fromisoformat(inner)
    if tag == "~dict":
        return {_key(k): v for k, v in inner}
    if tag in _KEEPABLE:
        return _KEEPABLE[tag](**inner)
    return data


def _key(key: Any) -> Any:
    # A list cannot be a key: a tuple key was a tuple (already revived) unless it held lists.
    return tuple(key) if isinstance(key, list) else key
