"""Restore an archive into an empty database, on either engine, or refuse and write nothing.

1. The whole archive is read and checked first (key, every chunk, every table's count and
   checksum), before the database is touched: a wrong key, a cut or an altered byte is refused
   here, whatever its place in the file.
2. The target must be empty: a database `migrate` has just made (at the archive's version), or
   one without tables at all, which is first migrated to the archive's version.
3. The rows are inserted as they were (primary keys, timestamps and hashes included) in one
   transaction; every table is then read back and its checksum compared with the archive's,
   the audit chain is verified and every stored file decrypted. Any difference rolls the whole
   transaction back.
4. A database migrated here to an older archive's version is then migrated forward.

Stored files and pending imports are encrypted with the file key (bastion.lib.crypto). The
archive carries the keys it was written with; when this server's keys do not open a file, it
is decrypted with the archive's and encrypted again with this server's first key, so the files
still open here (their plaintext, and its checksum, are unchanged).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import BinaryIO

from cryptography.fernet import InvalidToken, MultiFernet
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from bastion.backups import archive
from bastion.backups.dump import FORMAT
from bastion.backups.tables import REPLACED, Digest, Table, dumps, every_table, plaintext_digest
from bastion.core import audit
from bastion.lib import crypto

INSERT_BATCH = 500
KINDS = ("meta", "table", "end", "manifest")


class RestoreRefused(Exception):
    """The restore did not happen; the message says why, and nothing was written."""


@dataclass
class Restored:
    meta: dict
    tables: dict[str, dict]
    audit: dict
    rekeyed: int = 0
    migrated_forward: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(t["rows"] for t in self.tables.values())


def _records(inp: BinaryIO, passphrase: str) -> Iterator[tuple[str, object]]:
    """("meta" | "table" | "row" | "end" | "manifest", value) for each line of the archive."""
    _header, pieces = archive.open_stream(inp, passphrase)
    for line in archive.lines(pieces):
        if line.startswith(b"["):
            yield "row", line
            continue
        try:
            record = json.loads(line)
            kind = next(k for k in KINDS if k in record)
        except (ValueError, TypeError, StopIteration):
            raise RestoreRefused("The backup's content is not in Bastion's format.") from None
        yield kind, record


def _tables_by_label() -> dict[str, Table]:
    return {t.label: t for t in every_table()}


def verify(inp: BinaryIO, passphrase: str) -> tuple[dict, dict]:
    """Read the whole archive and check it: (meta, manifest). Writes nothing anywhere."""
    known = _tables_by_label()
    meta = manifest = table = digest = file_digest = None
    found: dict[str, dict] = {}
    for kind, value in _records(inp, passphrase):
        if manifest is not None:
            raise RestoreRefused("The backup's content goes on after its manifest.")
        if kind == "meta":
            meta = value["meta"]
            if meta.get("format") != FORMAT:
                raise RestoreRefused(
                    f"The backup is in format {meta.get('format')}, which this version of "
                    f"Bastion does not read (it reads format {FORMAT})."
                )
            file_digest = partial(plaintext_digest, keys=crypto.ring(meta["file_keys"]))
        elif meta is None:
            raise RestoreRefused("The backup's content does not start with its description.")
        elif kind == "table":
            table = known.get(value["table"])
            if table is None or value.get("columns") != table.columns:
                raise RestoreRefused(
                    f"The backup's table {value['table']} is not as this version of Bastion "
                    "keeps it: restore it with the version that wrote it."
                )
            digest = Digest()
        elif kind == "row":
            if table is None:
                raise RestoreRefused("The backup's content is not in Bastion's format.")
            if not table.encrypted:
                digest.add(value)
            else:
                shown = table.checked(json.loads(value), file_digest)
                digest.add(dumps(shown))
        elif kind == "end":
            if table is None or value["end"] != table.label:
                raise RestoreRefused("The backup's content is not in Bastion's format.")
            if (digest.rows, digest.hexdigest()) != (value["rows"], value["sha256"]):
                raise RestoreRefused(
                    f"The backup's table {table.label} does not match its checksum."
                )
            found[table.label] = {"rows": digest.rows, "sha256": digest.hexdigest()}
            table = None
        elif kind == "manifest":
            manifest = value["manifest"]
            if manifest.get("tables") != found:
                raise RestoreRefused("The backup's manifest does not match its tables.")
    if manifest is None:
        raise RestoreRefused("The backup ends before its manifest: it was cut short.")
    return meta, manifest


# The target ------------------------------------------------------------------------------------


def _applied(connection) -> set[tuple[str, str]]:
    return set(MigrationRecorder(connection).applied_migrations())


def _not_empty(using: str) -> list[str]:
    found = []
    for table in every_table():
        if table.label in REPLACED:
            continue
        if count := table.model._base_manager.using(using).count():
            found.append(f"{count:,} in {table.label}")
    return found


def _prepare(meta: dict, using: str) -> list[str]:
    """Check the target can take the archive, migrating a database without tables to the
    archive's version; returns the migrations that must run forward after the rows are in."""
    connection = connections[using]
    wanted = {tuple(m) for m in meta["migrations"]}
    if "django_migrations" not in connection.introspection.table_names():
        if connection.introspection.table_names():
            raise RestoreRefused(
                "The database has tables but no record of Bastion's migrations: restore into "
                "an empty database."
            )
        return _migrate_to(wanted, using)
    applied = _applied(connection)
    if applied != wanted:
        newer, older = sorted(wanted - applied), sorted(applied - wanted)
        raise RestoreRefused(
            "The database is at another version of Bastion than the backup "
            f"({len(newer)} of the backup's migrations missing here, {len(older)} here that the "
            "backup has not). Restore into a new database with no tables: restore migrates it "
            "to the backup's version, then forward to this one."
        )
    if found := _not_empty(using):
        raise RestoreRefused(
            "The database is not empty (" + ", ".join(found[:5]) + "): restore only into a "
            "database that has never been used. Nothing was written."
        )
    return []


def _migrate_to(wanted: set[tuple[str, str]], using: str) -> list[str]:
    executor = MigrationExecutor(connections[using])
    graph = executor.loader.graph
    if unknown := sorted(wanted - set(graph.nodes)):
        raise RestoreRefused(
            "The backup was written by a newer version of Bastion (it has migrations this one "
            f"does not know, e.g. {unknown[0][0]}.{unknown[0][1]}): restore it with that version."
        )
    targets = []
    for app in sorted(executor.loader.migrated_apps):
        own = [node for node in wanted if node[0] == app]
        targets.append(max(own, key=lambda n: len(graph.forwards_plan(n))) if own else (app, None))
    executor.migrate(targets, plan=executor.migration_plan(targets))
    if _applied(connections[using]) != wanted:
        raise RestoreRefused("The database could not be migrated to the backup's version.")
    now = MigrationExecutor(connections[using])
    return [f"{m.app_label}.{m.name}" for m, _ in now.migration_plan(graph.leaf_nodes())]


# The rows --------------------------------------------------------------------------------------


class _Rekey:
    """Encrypted columns: kept when this server's keys open them, else encrypted again."""

    def __init__(self, archive_keys: list[str]):
        here = crypto.file_keys()
        self.same = set(archive_keys) <= set(here)
        self.archive = crypto.ring(archive_keys)
        self.here: MultiFernet = crypto.ring(here)
        self.count = 0

    def __call__(self, value: bytes) -> bytes:
        if self.same or not value:
            return value
        try:
            self.here.decrypt(value)
            return value
        except InvalidToken:
            pass
        try:
            plain = self.archive.decrypt(value)
        except InvalidToken:
            return value  # unreadable in the source too: kept as it was
        self.count += 1
        return self.here.encrypt(plain)


def _insert(table: Table, rows: list[list], using: str, rekey: _Rekey) -> None:
    objs = []
    for row in rows:
        values = table.decode(row)
        for i in table.encrypted:
            values[i] = rekey(values[i])
        objs.append(table.model(*values))
    table.model._base_manager._insert(objs, fields=table.fields, raw=True, using=using)


def _load(inp: BinaryIO, passphrase: str, using: str, rekey: _Rekey) -> list[Table]:
    known = _tables_by_label()
    for label in REPLACED:
        apps.get_model(label)._base_manager.using(using).all().delete()
    loaded, table, batch = [], None, []
    for kind, value in _records(inp, passphrase):
        if kind == "table":
            table, batch = known[value["table"]], []
            loaded.append(table)
        elif kind == "row":
            batch.append(json.loads(value))
            if len(batch) >= INSERT_BATCH:
                _insert(table, batch, using, rekey)
                batch = []
        elif kind == "end" and batch:
            _insert(table, batch, using, rekey)
            batch = []
    connection = connections[using]
    sql = connection.ops.sequence_reset_sql(no_style(), [t.model for t in loaded])
    with connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(statement)
    return loaded


def _read_back(tables: list[Table], manifest: dict, using: str) -> None:
    """Every table as the database now holds it must match the archive's checksum."""
    file_digest = partial(plaintext_digest, keys=crypto.ring(crypto.file_keys()))
    for table in tables:
        digest = Digest()
        for row in table.rows(table.model._base_manager.using(using).all()):
            digest.add(dumps(table.checked(row, file_digest)))
        expected = manifest["tables"][table.label]
        if (digest.rows, digest.hexdigest()) != (expected["rows"], expected["sha256"]):
            raise RestoreRefused(
                f"{table.label} read back differs from the backup after the restore: nothing was "
                "written."
            )


def restore(path: str, passphrase: str, *, using: str = "default", record: bool = True) -> Restored:
    """Restore the archive at `path` into the (empty) database `using`; RestoreRefused, with
    nothing written, when it cannot. `record`: append the restore to the audit trail."""
    try:
        with open(path, "rb") as inp:
            meta, manifest = verify(inp, passphrase)
        later = _prepare(meta, using)
        rekey = _Rekey(meta["file_keys"])
        with transaction.atomic(using=using):
            with open(path, "rb") as inp:
                tables = _load(inp, passphrase, using, rekey)
            _read_back(tables, manifest, using)
            verdict = audit.verify(using=using)
            if (verdict.ok, verdict.message) != (
                manifest["audit"]["ok"],
                manifest["audit"]["message"],
            ):
                raise RestoreRefused(
                    f"The restored audit log does not verify as it did when the backup was "
                    f"written: {verdict.message}."
                )
            if record and using == "default":
                audit.record(
                    "backup.restored",
                    actor_label="manage.py restore",
                    changes={
                        "kind": meta["kind"],
                        "written_at": meta["created_at"],
                        "rows": manifest["rows"],
                        "school": (meta.get("school") or {}).get("slug", ""),
                    },
                )
    except archive.ArchiveError as exc:
        raise RestoreRefused(str(exc)) from None
    except DatabaseError as exc:
        raise RestoreRefused(
            f"The database refused the backup's rows, so nothing was restored: {exc}"
        ) from None
    except OSError as exc:
        raise RestoreRefused(f"The backup cannot be read: {exc.strerror or exc}.") from None
    done = Restored(
        meta=meta, tables=manifest["tables"], audit=manifest["audit"], rekeyed=rekey.count
    )
    if later:
        call_command("migrate", database=using, interactive=False, verbosity=0)
        done.migrated_forward = later
    return done
