"""A scratch database for a restore test: restored into, verified, then thrown away.

By default a new SQLite file in a temporary folder, which needs nothing from the server and
shows the archive restores on another engine too; `url` names another (an empty PostgreSQL
database, say), which is left without the archive's rows after the test.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dj_database_url
from django.db import transaction

from bastion.backups.snapshot import own_connection

ALIAS = "bastion_scratch"


class _Discard(Exception):
    pass


@contextmanager
def scratch_database(url: str = "") -> Iterator[str]:
    """Yield the alias of a scratch database; whatever was written there is discarded."""
    with tempfile.TemporaryDirectory(prefix="bastion-restore-test-") as folder:
        parsed = dj_database_url.parse(url or f"sqlite:///{Path(folder) / 'scratch.sqlite3'}")
        with own_connection(ALIAS, parsed) as alias:
            if not url:
                yield alias
                return
            # Another server's database: the rows go in and out in one transaction.
            try:
                with transaction.atomic(using=alias):
                    yield alias
                    raise _Discard
            except _Discard:
                pass
