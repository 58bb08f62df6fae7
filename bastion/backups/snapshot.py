"""Connections of the backup's own: a consistent, read-only view of the whole database while
the server goes on writing, and (for restore tests) a database of its own.

The backup reads through a connection of its own, in one transaction that sees the database
as it was when the transaction began: REPEATABLE READ on PostgreSQL; on SQLite a deferred
transaction, which in WAL mode reads one snapshot and never blocks the writers (the server's
own connections take the write lock at BEGIN, which would make every writer wait for the
backup).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections, transaction
from django.db.utils import load_backend

ALIAS = "bastion_snapshot"


@contextmanager
def own_connection(alias: str, settings_dict: dict) -> Iterator[str]:
    """A connection under `alias` for this thread only, closed and forgotten afterwards (it is
    not added to the DATABASES setting, so nothing else ever opens it)."""
    found = connections.configure_settings({"default": copy.deepcopy(settings_dict)})["default"]
    found["CONN_MAX_AGE"] = 0
    connections[alias] = load_backend(found["ENGINE"]).DatabaseWrapper(found, alias)
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]


@contextmanager
def snapshot(using: str = "default") -> Iterator[str]:
    """Yield the alias of a connection that reads one snapshot of `using`'s database."""
    base = copy.deepcopy(connections[using].settings_dict)
    if base["ENGINE"] == "django.db.backends.sqlite3":
        base["OPTIONS"] = {**base.get("OPTIONS", {}), "transaction_mode": "DEFERRED"}
    with own_connection(ALIAS, base) as alias, transaction.atomic(using=alias):
        with connections[alias].cursor() as cursor:
            if connections[alias].vendor == "postgresql":
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            # The first read fixes the snapshot (on SQLite, the read transaction starts).
            cursor.execute("SELECT COUNT(*) FROM django_migrations")
        yield alias
