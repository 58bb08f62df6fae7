"""One school's export: every row of that school and none of another, restorable elsewhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth.hashers import is_password_usable

from bastion.accounts.models import User
from bastion.backups import archive, dump, load
from bastion.backups.scope import ExportRefused, SchoolScope
from bastion.backups.scratch import scratch_database
from bastion.backups.tables import every_table
from bastion.core import audit, files
from bastion.core.models import AuditEvent, Membership, School, StoredFile, Trust
from tests.backups.conftest import KEY, PDF


@pytest.fixture
def export_path(populated, trust_admin, tmp_path) -> Path:
    school = populated["school"]
    # A trust admin, not a member, changed something at the school: the export names them.
    audit.record("school.settings_changed", actor=trust_admin, school=school, obj=school)
    path = tmp_path / "ashmole.bastion-backup"
    with open(path, "wb") as out:
        dump.write(out, KEY, school=school)
    return path


def plaintext(path: Path) -> list[bytes]:
    with open(path, "rb") as inp:
        _header, pieces = archive.open_stream(inp, KEY)
        return list(archive.lines(pieces))


def test_every_table_is_placed_by_a_rule_of_the_school_export(school, transactional_db):
    scope = SchoolScope(school, "default")
    for table in every_table():
        scope.queryset(table)  # raises for a table no rule places


def test_the_export_holds_nothing_of_another_school(export_path, populated):
    other = populated["other_school"]
    text = b"\n".join(plaintext(export_path)).decode()
    # Every row made for school B carries "Brookfield" (tests/tenancy.py).
    assert "brookfield" not in text.lower()
    assert "ashmole" in text.lower()
    columns, current = {}, None
    for line in plaintext(export_path):
        if line.startswith(b"["):
            row = dict(zip(columns[current], json.loads(line), strict=True))
            assert row.get("school_id") in (None, populated["school"].pk), (current, row)
            assert row.get("school_id") != other.pk
        elif b'"table"' in line:
            record = json.loads(line)
            current, columns[record["table"]] = record["table"], record["columns"]


def test_an_export_restores_into_an_empty_bastion_with_its_chain_sealed_again(
    export_path, populated, siro, trust_admin
):
    school = populated["school"]
    events = AuditEvent.objects.filter(school=school).count()
    with scratch_database() as alias:
        done = load.restore(str(export_path), KEY, using=alias, record=False)
        assert done.meta["kind"] == "school"
        assert audit.verify(using=alias).ok
        assert AuditEvent.objects.using(alias).count() == events
        moved = School.objects.using(alias).get()
        assert (moved.slug, moved.trust_id) == (school.slug, None)
        assert not Trust.objects.using(alias).exists()
        copy = StoredFile.objects.using(alias).get(pk=populated["stored"].pk)
        assert files.read(copy) == PDF
        # Members keep their accounts; a trust admin named by the log comes as a closed account.
        member = User.objects.using(alias).get(pk=siro.pk)
        assert member.is_active and member.password == siro.password
        named = User.objects.using(alias).get(pk=trust_admin.pk)
        assert not named.is_active and not is_password_usable(named.password)
        members = Membership.objects.filter(school=school).count()
        assert Membership.objects.using(alias).count() == members


def test_an_altered_event_of_the_school_stops_its_export(populated, school, tmp_path):
    event = AuditEvent.objects.filter(school=school).order_by("id").first()
    AuditEvent.objects.filter(pk=event.pk).update(object_repr="Someone else")
    with (
        pytest.raises(ExportRefused, match="does not match its hash"),
        open(tmp_path / "x", "wb") as out,
    ):
        dump.write(out, KEY, school=school)
