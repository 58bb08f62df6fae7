"""A backup restored into an empty database, on either engine, is the same row for row, its
audit chain verifies and its files open; anything wrong is refused with nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connections, models

from bastion.backups import dump, load
from bastion.backups.scratch import scratch_database
from bastion.backups.tables import ENCRYPTED, SKIPPED
from bastion.core import audit, files
from bastion.core.models import AuditEvent, StoredFile
from tests.backups.conftest import KEY, PDF


def write_backup(path: Path, **kwargs) -> dump.Written:
    with open(path, "wb") as out:
        return dump.write(out, KEY, **kwargs)


@pytest.fixture
def archive_path(populated, tmp_path) -> Path:
    path = tmp_path / "installation.bastion-backup"
    write_backup(path)
    return path


def assert_same_as_source(alias: str, every_row, stored) -> None:
    assert every_row(alias) == every_row("default")
    assert audit.verify(using=alias).ok
    copy = StoredFile.objects.using(alias).get(pk=stored.pk)
    assert files.read(copy) == PDF


def test_a_backup_holds_every_table_with_its_count_and_checksum(archive_path, every_row):
    with open(archive_path, "rb") as inp:
        meta, manifest = load.verify(inp, KEY)
    source = every_row()
    assert set(manifest["tables"]) == set(source)
    assert {t: v["rows"] for t, v in manifest["tables"].items()} == {
        t: len(rows) for t, rows in source.items()
    }
    assert manifest["tables"]["core.auditevent"]["rows"] == AuditEvent.objects.count() > 0
    assert meta["kind"] == "full"
    assert ["backups", "0001_initial"] in meta["migrations"]


def test_a_backup_restored_into_a_new_sqlite_database_is_the_same_row_for_row(
    archive_path, populated, every_row
):
    with scratch_database() as alias:
        done = load.restore(str(archive_path), KEY, using=alias, record=False)
        assert done.rows == sum(len(rows) for rows in every_row().values())
        assert_same_as_source(alias, every_row, populated["stored"])


def test_a_backup_restored_into_a_new_postgresql_database_is_the_same_row_for_row(
    archive_path, populated, every_row, postgres_scratch
):
    with scratch_database(postgres_scratch()) as alias:
        load.restore(str(archive_path), KEY, using=alias, record=False)
        assert connections[alias].vendor == "postgresql"
        assert_same_as_source(alias, every_row, populated["stored"])


def test_a_restore_into_a_migrated_empty_database_takes_it_as_it_is(
    archive_path, populated, every_row
):
    with scratch_database() as alias:
        call_command("migrate", database=alias, verbosity=0)
        done = load.restore(str(archive_path), KEY, using=alias, record=False)
        assert done.migrated_forward == []
        assert_same_as_source(alias, every_row, populated["stored"])


def test_stored_files_still_open_on_a_server_with_another_file_key(
    archive_path, populated, other_file_key
):
    stored = populated["stored"]
    with scratch_database() as alias:
        done = load.restore(str(archive_path), KEY, using=alias, record=False)
        copy = StoredFile.objects.using(alias).get(pk=stored.pk)
        assert done.rekeyed >= 1
        assert bytes(copy.ciphertext) != bytes(stored.ciphertext)
        assert files.read(copy) == PDF
        assert copy.sha256 == stored.sha256


def test_a_backup_is_a_snapshot_however_the_server_writes_meanwhile(populated, tmp_path, every_row):
    before = every_row()
    path = tmp_path / "while-running.bastion-backup"

    def write_meanwhile(line: str) -> None:
        # Another connection commits while the backup is between tables: an event after the
        # events were read, which would break the chain if the head were read after it.
        if line.startswith("core.auditevent:"):
            audit.record("test.meanwhile", actor_label="a request during the backup")

    write_backup(path, progress=write_meanwhile)
    assert AuditEvent.objects.filter(action="test.meanwhile").exists()
    with scratch_database() as alias:
        load.restore(str(path), KEY, using=alias, record=False)
        assert every_row(alias) == before
        assert audit.verify(using=alias).ok


@pytest.mark.parametrize("damage", ["wrong key", "cut short", "altered", "not an archive"])
def test_a_damaged_archive_or_a_wrong_key_is_refused_and_nothing_is_written(
    archive_path, damage, tmp_path
):
    key, blob = KEY, archive_path.read_bytes()
    if damage == "wrong key":
        key = "not-the-harbour-backup-key"
    elif damage == "cut short":
        blob = blob[: len(blob) * 2 // 3]
    elif damage == "altered":
        blob = blob[:-100] + bytes([blob[-100] ^ 0x20]) + blob[-99:]
    else:
        blob = b"id,name\n1,Ada\n"
    bad = tmp_path / "bad.bastion-backup"
    bad.write_bytes(blob)
    with scratch_database() as alias:
        with pytest.raises(load.RestoreRefused) as refused:
            load.restore(str(bad), key, using=alias, record=False)
        assert connections[alias].introspection.table_names() == []
    expected = {
        "wrong key": "does not open",
        "cut short": "cut short",
        "altered": "altered",
        "not an archive": "not a Bastion backup",
    }[damage]
    assert expected in str(refused.value)


def test_a_database_that_holds_data_is_refused_and_left_as_it_was(archive_path, every_row):
    before = every_row()
    with pytest.raises(load.RestoreRefused, match="not empty"):
        load.restore(str(archive_path), KEY)
    assert every_row() == before


def test_a_database_at_another_version_is_refused(archive_path):
    with scratch_database() as alias:
        call_command("migrate", database=alias, verbosity=0)
        call_command("migrate", "backups", "zero", database=alias, verbosity=0)
        with pytest.raises(load.RestoreRefused, match="another version"):
            load.restore(str(archive_path), KEY, using=alias, record=False)
        assert not connections[alias].introspection.table_names() or not list(
            AuditEvent.objects.using(alias).all()
        )


def test_the_commands_back_up_and_restore_into_a_new_database_on_a_fresh_machine(
    populated, tmp_path
):
    path = tmp_path / "cli.bastion-backup"
    key_file = tmp_path / "backup.key"
    key_file.write_text(KEY + "\n")
    events = AuditEvent.objects.count()
    call_command("backup", output=str(path), key_file=str(key_file), verbosity=0)
    assert AuditEvent.objects.filter(action="backup.written").count() == 1
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'restored.sqlite3'}",
        "BASTION_BACKUP_KEY_FILE": str(key_file),
        "SECRET_KEY": settings.SECRET_KEY,
    }
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    restored = subprocess.run(
        [*manage, "restore", str(path)], env=env, capture_output=True, text=True, timeout=300
    )
    assert restored.returncode == 0, restored.stderr
    assert "every one read back and verified" in restored.stdout
    verified = subprocess.run(
        [*manage, "verify_audit"], env=env, capture_output=True, text=True, timeout=120
    )
    assert verified.returncode == 0, verified.stderr
    # The restore itself is the newest entry of the restored trail.
    assert f"{events + 1} entries" in verified.stdout
    again = subprocess.run(
        [*manage, "restore", str(path)], env=env, capture_output=True, text=True, timeout=300
    )
    assert again.returncode != 0
    assert "not empty" in again.stderr


def test_every_binary_column_is_known_to_be_encrypted_or_left_out():
    found = {
        (model._meta.label_lower, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.BinaryField) and model._meta.label_lower not in SKIPPED
    }
    assert found == {(label, name) for label, names in ENCRYPTED.items() for name in names}
