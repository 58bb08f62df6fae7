"""The operator's backups page, and one school's export by the operator or its trust."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bastion.backups import archive, load
from bastion.backups.models import BackupRecord, RestoreCheck
from bastion.backups.scratch import scratch_database
from bastion.core.models import AuditEvent, School
from tests.backups.conftest import KEY
from tests.conftest import enrol_totp, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db):
    user = make_user("ops@provider.example.org", "Opal", "Operator")
    user.is_superuser = True
    user.save()
    enrol_totp(user)
    return user


def export_form(school, passphrase=KEY, again=None) -> dict:
    return {
        "school": str(school.pk),
        "passphrase": passphrase,
        "passphrase_again": passphrase if again is None else again,
    }


def test_the_operator_sees_the_backup_set_with_what_needs_attention(
    client_for, operator, backup_settings
):
    backup_settings.BASTION_BACKUP_KEY = ""
    page = client_for(operator).get("/operator/backups/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Backups are off" in text and "Never restored in a test" in text
    assert "No archive has been written yet" in text


def test_a_recent_backup_and_restore_test_clear_the_flags(client_for, operator, backup_settings):
    now = timezone.now()
    backup = BackupRecord.objects.create(
        kind="full",
        trigger="schedule",
        started_at=now,
        finished_at=now,
        ok=True,
        file_name="bastion-x.bastion-backup",
        rows=1234,
        size=4096,
    )
    RestoreCheck.objects.create(
        backup=backup,
        trigger="schedule",
        checked_at=now,
        archive_name=backup.file_name,
        archive_sha256="0" * 64,
        ok=True,
        rows=1234,
        message="1,234 rows restored and verified",
    )
    text = client_for(operator).get("/operator/backups/").content.decode()
    assert "Encrypted, backed up on time, and restored successfully" in text
    assert "1,234 rows restored and verified" in text


def test_an_old_restore_test_is_flagged(client_for, operator, backup_settings):
    old = timezone.now() - dt.timedelta(days=30)
    RestoreCheck.objects.create(
        trigger="command", checked_at=old, archive_name="a", archive_sha256="", ok=True
    )
    text = client_for(operator).get("/operator/backups/").content.decode()
    assert "No successful restore test since" in text


def test_the_operator_page_reads_the_same_number_of_queries_for_3_or_60_records(
    client_for, operator, backup_settings
):
    def add(count):
        now = timezone.now()
        for n in range(count):
            record = BackupRecord.objects.create(
                kind="full",
                trigger="schedule",
                started_at=now - dt.timedelta(hours=n),
                ok=n % 3 != 0,
                by=operator,
                school=None,
                message="",
            )
            RestoreCheck.objects.create(
                backup=record,
                trigger="schedule",
                checked_at=now,
                archive_name="a",
                archive_sha256="",
                ok=True,
            )

    client = client_for(operator)
    client.get("/operator/backups/")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/operator/backups/").status_code == 200
        return len(queries)

    add(3)
    few = count()
    add(57)
    assert count() == few <= 12


@pytest.mark.parametrize("who", ["siro", "trust_admin", "staff", "anonymous"])
def test_the_operator_pages_are_not_there_for_anyone_else(request, client, client_for, who):
    browser = client if who == "anonymous" else client_for(request.getfixturevalue(who))
    for url in ("/operator/backups/", "/operator/backups/export/"):
        response = browser.get(url)
        expected = 302 if who == "anonymous" else 404
        assert response.status_code == expected, (who, url)


def test_an_operator_without_two_factor_is_sent_to_set_it_up(client_for, db):
    user = make_user("new.ops@provider.example.org")
    user.is_superuser = True
    user.save()
    response = client_for(user).get("/operator/backups/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa")


def test_a_trust_admin_downloads_an_export_that_restores_elsewhere(
    transactional_db, client_for, trust_admin, school, siro, tmp_path
):
    response = client_for(trust_admin).post(
        f"/trust/{school.trust.slug}/export/", export_form(school)
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="bastion-ashmole-')
    blob = b"".join(response.streaming_content)
    assert blob.startswith(archive.MAGIC)
    path = tmp_path / "export.bastion-backup"
    path.write_bytes(blob)
    record = BackupRecord.objects.get()
    assert (record.kind, record.school, record.by, record.ok) == (
        "school",
        school,
        trust_admin,
        True,
    )
    event = AuditEvent.objects.get(action="school.exported")
    assert (event.school, event.actor) == (school, trust_admin)
    assert KEY not in str(event.changes)
    with scratch_database() as alias:
        load.restore(str(path), KEY, using=alias, record=False)
        assert School.objects.using(alias).get().slug == school.slug


def test_a_trust_admin_cannot_export_a_school_of_another_trust(
    client_for, trust_admin, other_school, outsider
):
    response = client_for(trust_admin).post(
        f"/trust/{other_school.trust.slug}/export/", export_form(other_school)
    )
    assert response.status_code == 404
    own = client_for(trust_admin).post(
        f"/trust/{trust_admin.trust_roles.get().trust.slug}/export/", export_form(other_school)
    )
    assert own.status_code == 200 and b"Select a valid choice" in own.content
    assert not BackupRecord.objects.exists()


@pytest.mark.parametrize(
    ("passphrase", "again", "message"),
    [
        ("short", None, "at least 16 characters"),
        ("harbour-backup-passphrase-2026", "harbour-backup-passphrase-2027", "not the same"),
        ("harbour-backup\tpassphrase-2026", None, "a tab, a line break or an invisible"),
        ("harbour-backup\u202epassphrase-2026", None, "a tab, a line break or an invisible"),
        ("", None, "Enter a passphrase"),
    ],
)
def test_a_bad_passphrase_is_explained_and_nothing_is_exported(
    client_for, operator, school, passphrase, again, message, caplog
):
    response = client_for(operator).post(
        "/operator/backups/export/", export_form(school, passphrase, again)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BackupRecord.objects.exists()
    assert not AuditEvent.objects.filter(action="school.exported").exists()
    if passphrase:
        assert passphrase not in caplog.text
