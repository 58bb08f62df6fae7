"""What a backup holds, table by table, and how a row is written down and read back.

Every table of every installed app is in a backup, except what the server rebuilds by itself
(SKIPPED). A row is a JSON array of its columns in the model's field order: values JSON has
(text, numbers, true/false, null, JSON fields) as they are; dates and times in ISO 8601 with
their microseconds and offset; bytes in base64. The same writing serves the checksums, so the
checksums of a table read back from any database engine equal those of the archive exactly
when every row is the same.

Columns kept encrypted with the server's file key (ENCRYPTED) are checked by the SHA-256 of
what they decrypt to, so that a restore under another file key (bastion.backups.load) is
verified as exactly as one under the same key.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from cryptography.fernet import MultiFernet
from django.apps import apps
from django.db import models
from django.utils.duration import duration_iso_string

from bastion.lib import crypto

# Rebuilt by the server, never worth restoring: sessions (everyone signs in again after a
# restore) and the controls' kept answers (evaluated again from the restored registers).
SKIPPED = {"sessions.session", "controls.keptevaluation"}
# Written by `migrate` or by the server itself on a database nobody has used yet; a restore
# replaces them with the archive's (a database holding only these counts as empty).
REPLACED = (
    "contenttypes.contenttype",
    "auth.permission",
    "core.audithead",
    "notify.schedulerun",
    "backups.backuprecord",
    "backups.restorecheck",
)
# Columns encrypted with the file key (bastion.lib.crypto): a test checks every BinaryField of
# the project is here or skipped.
ENCRYPTED = {
    "core.storedfile": ("ciphertext",),
    "people.importjob": ("payload",),
    "assets.assetimport": ("payload",),
}
UNREADABLE = "unreadable:"


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return duration_iso_string(value)
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    return str(value)


def dumps(row: list) -> bytes:
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def plaintext_digest(token: bytes, keys: MultiFernet | None = None) -> str:
    """What an encrypted column is checked by: the SHA-256 of its plaintext (or of the
    ciphertext itself, marked, when no key at hand opens it)."""
    if not token:
        return ""
    try:
        return hashlib.sha256(crypto.decrypt(token, keys)).hexdigest()
    except ValueError:
        return UNREADABLE + hashlib.sha256(bytes(token)).hexdigest()


@dataclass
class Table:
    model: type[models.Model]
    fields: list = field(init=False)
    label: str = field(init=False)

    def __post_init__(self):
        self.label = self.model._meta.label_lower
        self.fields = list(self.model._meta.concrete_fields)
        self.json = [isinstance(f, models.JSONField) for f in self.fields]
        self.binary = [isinstance(f, models.BinaryField) for f in self.fields]
        encrypted = ENCRYPTED.get(self.label, ())
        self.encrypted = [i for i, f in enumerate(self.fields) if f.name in encrypted]

    @property
    def columns(self) -> list[str]:
        return [f.attname for f in self.fields]

    def encode(self, values) -> list:
        return [v if j else _plain(v) for v, j in zip(values, self.json, strict=True)]

    def checked(self, row: list, digest: Callable[[bytes], str]) -> list:
        """The row as its checksum counts it: encrypted columns by their plaintext's digest."""
        shown = list(row)
        for i in self.encrypted:
            shown[i] = digest(base64.b64decode(row[i])) if row[i] else row[i]
        return shown

    def decode(self, row: list) -> list:
        """The Python values of a written row, ready to insert."""
        out = []
        for value, f, j, b in zip(row, self.fields, self.json, self.binary, strict=True):
            if value is None or j:
                out.append(value)
            elif b:
                out.append(base64.b64decode(value))
            else:
                out.append(f.to_python(value))
        return out

    def rows(self, queryset) -> Iterator[list]:
        """The encoded rows of `queryset` (of this table), in primary-key order."""
        values = queryset.order_by("pk").values_list(*self.columns)
        for found in values.iterator(chunk_size=2000):
            yield self.encode(found)


def every_table() -> list[Table]:
    """Every table a full backup holds, in a stable order (apps, then models, as installed)."""
    return [
        Table(model)
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model._meta.label_lower not in SKIPPED
    ]


class Digest:
    """A table's checksum, fed one written row at a time."""

    def __init__(self):
        self._hash = hashlib.sha256()
        self.rows = 0

    def add(self, line: bytes) -> None:
        self._hash.update(line + b"\n")
        self.rows += 1

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
