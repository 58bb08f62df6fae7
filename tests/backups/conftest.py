"""Backups: a populated installation, scratch databases on both engines, and a way to read every
row of a database as the backup writes it (to compare two databases row by row)."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bastion.backups.tables import dumps, every_table
from bastion.core import audit, files
from bastion.core.models import AuditEvent
from bastion.incidents.models import Kind
from bastion.incidents.services import incident_report
from bastion.lib import crypto
from tests import tenancy

KEY = "harbour-backup-passphrase-2026"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n"


@pytest.fixture
def backup_settings(settings, tmp_path):
    settings.BASTION_BACKUP_KEY = KEY
    settings.BASTION_BACKUP_DIR = tmp_path / "backups"
    return settings


@pytest.fixture
def populated(transactional_db, school, other_school, siro, dpo, staff, trust_admin, outsider):
    """Both schools with rows in every school-owned table, a real stored file, an incident and
    audit events; committed (the backup reads through a connection of its own)."""
    tenancy.create_rows(other_school)
    # The walker's audit row is made outside the chain: a real event instead, so the chain holds.
    AuditEvent.objects.filter(pk=tenancy.ROW_ID)._raw_delete("default")
    audit.record("test.row", school=other_school, actor=outsider, changes={"name": "Brookfield"})
    stored = files.store(
        school=school,
        actor=siro,
        upload=SimpleUploadedFile("dbs-risk-assessment.pdf", PDF, "application/pdf"),
    )
    incident_report(
        actor=staff,
        school=school,
        data={
            "kind": Kind.LOST_DEVICE,
            "what_happened": "Left the Year 4 laptop on the 38 bus home.",
            "discovered_at": dt.datetime.now(dt.UTC),
        },
        submission_key=uuid.uuid4(),
    )
    return {"stored": stored, "school": school, "other_school": other_school}


@pytest.fixture
def every_row():
    """every_row(using) -> {table: [row line, ...]} of every table a backup holds."""

    def read(using: str = "default") -> dict[str, list[bytes]]:
        found = {}
        for table in every_table():
            queryset = table.model._base_manager.using(using).all()
            found[table.label] = [dumps(row) for row in table.rows(queryset)]
        return found

    return read


@pytest.fixture
def postgres_scratch():
    """postgres_scratch() -> the URL of a new, empty PostgreSQL database (dropped afterwards).

    Skipped where no PostgreSQL server runs, unless BASTION_REQUIRE_POSTGRES is set (CI)."""
    made = []

    def make() -> str:
        name = f"bastion_restore_{uuid.uuid4().hex[:12]}"
        try:
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3) as c:
                c.execute(f'CREATE DATABASE "{name}"')
        except psycopg.OperationalError as exc:
            if os.getenv("BASTION_REQUIRE_POSTGRES"):
                raise
            pytest.skip(f"no PostgreSQL server at {PG_SERVER}: {exc}")
        made.append(name)
        return f"{PG_SERVER}/{name}"

    yield make
    for name in made:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def other_file_key(settings):
    """This server's file key changed, as on another server (the old key gone)."""
    settings.BASTION_FILE_KEY = "Rl9rZXlfZm9yX2Fub3RoZXJfc2VydmVyX19fX19fXzA="
    crypto._fernet.cache_clear()
    yield
    crypto._fernet.cache_clear()
