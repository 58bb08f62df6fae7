"""The audit log is append-only and hash-chained: `manage.py verify_audit` finds any tampering."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from bastion.core import audit
from bastion.core.models import AuditEvent, AuditHead


@pytest.fixture
def chain(school, siro):
    """Five events; returns their ids in order."""
    events = [
        audit.record(
            "school.settings_changed",
            actor=siro,
            school=school,
            obj=school,
            changes={"idle_lock_minutes": [10, n]},
        )
        for n in range(11, 16)
    ]
    return [e.id for e in events]


def _sql(statement: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _tampered() -> str:
    with pytest.raises(CommandError) as error:
        call_command("verify_audit")
    assert error.value.returncode == 1
    return str(error.value)


def test_an_intact_log_exits_0_and_says_how_many_entries(chain, capsys):
    execute_from_command_line(["manage.py", "verify_audit"])  # no SystemExit: exit status 0
    assert "audit log intact: 5 entries" in capsys.readouterr().out


def test_an_empty_log_is_intact(db, capsys):
    call_command("verify_audit")
    assert "intact: 0 entries" in capsys.readouterr().out


def test_a_tampered_log_exits_non_zero_from_the_command_line(chain, capsys):
    _sql("UPDATE core_auditevent SET actor_label = 'someone else' WHERE id = %s", chain[2])
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "verify_audit"])
    assert exit_.value.code == 1
    assert f"entry {chain[2]}: its content was altered" in capsys.readouterr().err


@pytest.mark.parametrize(
    "column, value",
    [
        ("actor_label", "someone.else@example.org"),
        ("action", "school.viewed"),
        ("changes", '{"idle_lock_minutes": [10, 99]}'),
        ("at", "2020-01-01 00:00:00"),
        ("object_id", "42"),
    ],
)
def test_altering_any_content_of_an_entry_names_that_entry(chain, column, value):
    _sql(f"UPDATE core_auditevent SET {column} = %s WHERE id = %s", value, chain[2])
    assert f"entry {chain[2]}: its content was altered" in _tampered()


def test_recomputing_an_altered_entrys_hash_is_caught_at_the_next_entry(chain):
    event = AuditEvent.objects.get(pk=chain[1])
    event.actor_label = "someone.else@example.org"
    _sql(
        "UPDATE core_auditevent SET actor_label = %s, hash = %s WHERE id = %s",
        event.actor_label,
        audit.digest(event),
        chain[1],
    )
    assert f"entry {chain[2]}: the entry before it was altered or removed" in _tampered()


def test_removing_a_middle_entry_names_the_entry_after_it(chain):
    _sql("DELETE FROM core_auditevent WHERE id = %s", chain[2])
    assert f"entry {chain[3]}: the entry before it was altered or removed" in _tampered()


def test_removing_the_first_entry_names_the_new_first(chain):
    _sql("DELETE FROM core_auditevent WHERE id = %s", chain[0])
    assert f"entry {chain[1]}: the entry before it was altered or removed" in _tampered()


def test_removing_the_newest_entry_is_reported(chain):
    _sql("DELETE FROM core_auditevent WHERE id = %s", chain[-1])
    message = _tampered()
    assert "the newest entries were removed" in message
    assert "ends after 4 entries, 5 were written" in message


def test_removing_the_chain_head_is_reported(chain):
    _sql("DELETE FROM core_audithead")
    assert "the newest entries were removed" in _tampered()


def test_a_fresh_database_starts_the_chain_without_a_head(db, school):
    AuditHead.objects.all().delete()
    audit.record("school.created", school=school, obj=school, actor_label="setup")
    assert audit.verify().ok


def test_the_application_refuses_to_change_or_remove_an_entry(chain):
    event = AuditEvent.objects.get(pk=chain[0])
    event.actor_label = "x"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    assert audit.verify().ok


@pytest.mark.usefixtures("append_only_audit")
def test_the_database_refuses_to_update_an_entry(chain):
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql("UPDATE core_auditevent SET actor_label = 'x' WHERE id = %s", chain[0])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=chain[0]).update(action="x")
    assert audit.verify().ok


@pytest.mark.usefixtures("append_only_audit")
def test_the_database_refuses_to_delete_an_entry(chain):
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql("DELETE FROM core_auditevent WHERE id = %s", chain[-1])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 5


@pytest.mark.usefixtures("append_only_audit")
def test_the_database_still_lets_entries_be_appended(chain, school):
    audit.record("school.viewed", school=school, actor_label="x")
    assert audit.verify().checked == 6


@pytest.mark.parametrize(
    "remote_addr, stored",
    [
        ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("192.0.2.7", "192.0.2.7"),
        ("not an address", None),
        ("", None),
    ],
)
def test_client_addresses_are_stored_as_hashed_so_the_chain_verifies(db, remote_addr, stored):
    request = RequestFactory().get("/", REMOTE_ADDR=remote_addr)
    event = audit.record("auth.login_failed", actor_label="x", request=request)
    event.refresh_from_db()
    assert event.ip == stored
    assert audit.verify().ok


def test_changes_of_any_shape_are_stored_so_the_chain_verifies(school):
    import datetime as dt
    import decimal

    audit.record(
        "school.settings_changed",
        school=school,
        changes={
            "nested": {"a": [1, dt.date(2025, 9, 1)], "b": {"c": decimal.Decimal("1.50")}},
            "roles": {"staff", "dpo"},
            "text": "Ünïcode ✓ <b>",
        },
    )
    event = AuditEvent.objects.get()
    assert event.changes["roles"] == ["dpo", "staff"]
    assert event.changes["nested"] == {"a": [1, "2025-09-01"], "b": {"c": "1.50"}}
    assert audit.verify().ok
