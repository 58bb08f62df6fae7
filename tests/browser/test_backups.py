"""The operator reads Bastion's own backup register and a trust admin downloads one school's
export, which restores into an empty Bastion."""

from __future__ import annotations

from pathlib import Path

from bastion.backups import load
from bastion.backups.models import BackupRecord
from bastion.backups.scratch import scratch_database
from bastion.core.models import School
from tests.browser.conftest import sign_in
from tests.conftest import enrol_totp, make_user

KEY = "harbour-move-passphrase-2026"


def _go(page, action) -> None:
    action()
    page.wait_for_load_state()
    page.axe()


def test_the_operator_sees_that_backups_are_off_and_what_to_do(page, settings, tmp_path):
    settings.BASTION_BACKUP_KEY = ""
    settings.BASTION_BACKUP_DIR = tmp_path
    operator = make_user("ops@provider.example.org", "Opal", "Operator")
    operator.is_superuser = True
    operator.save()
    operator.totp_secret = enrol_totp(operator)
    sign_in(page, operator)
    page.axe()
    _go(page, lambda: page.get_by_role("link", name="Bastion's own backups").click())
    text = page.locator("main").inner_text()
    assert "Backups are off" in text and "Never restored in a test" in text
    _go(page, lambda: page.get_by_role("link", name="Export a school's data").click())
    _go(page, lambda: page.get_by_role("button", name="Download the encrypted export").click())
    summary = page.locator("main .govuk-error-summary")
    assert "Choose the school to export." in summary.inner_text()


def test_a_trust_admin_exports_a_school_leaving_the_trust(
    page, trust_admin, school, siro, tmp_path
):
    sign_in(page, trust_admin)
    page.axe()
    _go(page, lambda: page.goto(f"/trust/{school.trust.slug}/controls/"))
    _go(page, lambda: page.get_by_role("link", name="Export a school's data").click())
    page.get_by_label("School").select_option(label=school.name)
    page.get_by_label("Passphrase to encrypt the file").fill(KEY)
    page.get_by_label("The passphrase again").fill("not the same passphrase")
    _go(page, lambda: page.get_by_role("button", name="Download the encrypted export").click())
    summary = page.locator("main .govuk-error-summary").inner_text()
    assert "The two passphrases are not the same." in summary
    page.get_by_label("Passphrase to encrypt the file").fill(KEY)
    page.get_by_label("The passphrase again").fill(KEY)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the encrypted export").click()
    assert download.value.suggested_filename.startswith(f"bastion-{school.slug}-")
    path = tmp_path / "export.bastion-backup"
    Path(download.value.path()).replace(path)
    assert BackupRecord.objects.get().school == school
    with scratch_database() as alias:
        load.restore(str(path), KEY, using=alias, record=False)
        assert School.objects.using(alias).get().name == school.name
