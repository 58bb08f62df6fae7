"""Write a backup: every table (or one school's rows) from one snapshot, into an archive.

The plaintext inside the archive is JSON lines: a `meta` line (what wrote it, the migrations
its tables follow, the file keys its encrypted columns open with), then for each table a
`table` line naming its columns, one line per row and an `end` line with the row count and
checksum, and last a `manifest` with every table's count and checksum.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from bastion.backups import archive, snapshot
from bastion.backups.scope import SchoolScope
from bastion.backups.tables import (
    UNREADABLE,
    Digest,
    Table,
    dumps,
    every_table,
    plaintext_digest,
)
from bastion.core import audit
from bastion.core.models import School
from bastion.lib import crypto

FORMAT = 1


@dataclass
class Written:
    """What a backup wrote: per table {"rows", "sha256"}, and the archive's own size and hash."""

    tables: dict[str, dict] = field(default_factory=dict)
    unreadable_files: list[str] = field(default_factory=list)
    size: int = 0
    sha256: str = ""

    @property
    def rows(self) -> int:
        return sum(t["rows"] for t in self.tables.values())

    @property
    def files(self) -> int:
        return self.tables.get("core.storedfile", {}).get("rows", 0)


class _Hashing:
    """The output file, hashed as it is written (the archive's checksum, for the record)."""

    def __init__(self, out: BinaryIO):
        self.out, self.hash = out, hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self.hash.update(data)


def _line(writer: archive.Writer, record: dict) -> None:
    writer.write(json.dumps(record, sort_keys=True, ensure_ascii=False).encode() + b"\n")


def _applied(alias: str) -> list[list[str]]:
    return sorted(
        [app, name] for app, name in MigrationRecorder(connections[alias]).applied_migrations()
    )


def write(
    out: BinaryIO,
    passphrase: str,
    *,
    school: School | None = None,
    progress: Callable[[str], None] | None = None,
    using: str = "default",
) -> Written:
    """Write the archive of the whole installation (or of `school` alone) to `out`."""
    archive.check_passphrase(passphrase, settings.SECRET_KEY)
    kind = "school" if school else "full"
    created = timezone.now().isoformat()
    hashed = _Hashing(out)
    writer = archive.Writer(hashed, passphrase, about={"kind": kind, "created_at": created})
    written = Written()
    say = progress or (lambda text: None)
    with snapshot.snapshot(using) as alias:
        tables = every_table()
        scope = SchoolScope(school, alias) if school else None
        if scope:
            scope.note_users(tables)
        meta = {
            "format": FORMAT,
            "bastion": settings.BASTION_VERSION,
            "kind": kind,
            "created_at": created,
            "engine": connections[alias].vendor,
            "migrations": _applied(alias),
            "file_keys": crypto.file_keys(),
        }
        if school:
            meta["school"] = {"slug": school.slug, "name": school.name, "urn": school.urn}
        _line(writer, {"meta": meta})
        for table in tables:
            if scope is None:
                queryset = table.model._base_manager.using(alias).all()
            else:
                queryset = scope.queryset(table)
                if queryset is None:
                    continue
            with closing(table.rows(queryset)) as rows:  # closed before its connection
                _table(writer, table, scope.rows(table, rows) if scope else rows, written)
            say(f"{table.label}: {written.tables[table.label]['rows']:,} rows")
        if scope:
            head = next(t for t in tables if t.label == "core.audithead")
            _table(writer, head, iter([scope.head_row(head)]), written)
            say(f"{head.label}: the school's {scope.sealed_count:,} audit events sealed again")
        # The chain as it stood: a restore must find it exactly so (and restores a log that
        # was already broken, saying so, rather than lose the data with it).
        verdict = audit.verify(using=alias) if scope is None else None
        _line(
            writer,
            {
                "manifest": {
                    "tables": written.tables,
                    "rows": written.rows,
                    "unreadable_files": written.unreadable_files,
                    "audit": {"ok": verdict.ok, "message": verdict.message}
                    if verdict
                    else {"ok": True, "message": f"audit log intact: {scope.sealed_count} entries"},
                }
            },
        )
    writer.close()
    written.size, written.sha256 = writer.size, hashed.hash.hexdigest()
    return written


def _table(writer: archive.Writer, table: Table, rows, written: Written) -> None:
    _line(writer, {"table": table.label, "columns": table.columns})
    digest = Digest()
    for row in rows:
        line = dumps(row)
        writer.write(line + b"\n")
        if not table.encrypted:
            digest.add(line)
            continue
        shown = table.checked(row, plaintext_digest)
        digest.add(dumps(shown))
        if any(str(shown[i]).startswith(UNREADABLE) for i in table.encrypted):
            written.unreadable_files.append(f"{table.label} {row[0]}")
    written.tables[table.label] = {"rows": digest.rows, "sha256": digest.hexdigest()}
    _line(writer, {"end": table.label, **written.tables[table.label]})
