"""The IT lead records the school's backups and a restore test, sees the 3-2-1 standard, then
lends a laptop to a member of staff and records its return."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from bastion.equipment.models import BackupSet, Device, Loan, Location, RestoreTest
from bastion.people.services import person_create
from tests.browser.conftest import sign_in


def _go(page, action) -> None:
    action()
    page.wait_for_load_state()
    page.axe()


def test_the_it_lead_records_backups_a_restore_test_and_a_loan(page, it_lead, school):
    Location.objects.create(
        school=school, name="Server room safe", kind="safe", lockable=True, fire_proof=True
    )
    laptop = Device.objects.create(
        school=school,
        kind="laptop",
        make="Dell",
        model="Latitude 5440",
        asset_tag="LT-04",
        encrypted=True,
        holds_personal_data=True,
        status="in_store",
    )
    person_create(
        actor=it_lead,
        school=school,
        data={"kind": "staff", "first_name": "Imogen", "last_name": "Farrow"},
    )

    sign_in(page, it_lead)
    page.axe()
    _go(page, lambda: page.goto(f"/s/{school.slug}/backups/"))
    assert page.get_by_text("No backup sets are recorded yet.").is_visible()

    # A cloud set: the off-site copy.
    _go(page, lambda: page.get_by_role("link", name="Add a backup set").click())
    page.get_by_label("Name").fill("Grid cloud backup")
    page.get_by_label("What it backs up").fill("Admin server and MIS")
    page.get_by_label("Cloud / off-site service", exact=True).check()
    page.get_by_label("How often it runs").fill("Nightly")
    page.get_by_label("The backup is encrypted").check()
    page.get_by_label("Service used").fill("London Grid for Learning")
    _go(page, lambda: page.get_by_role("button", name="Save").click())
    assert page.get_by_text("The backup set Grid cloud backup is recorded.").is_visible()
    assert "Never restored in a test" in page.locator("main").inner_text()

    # A tape set, kept in the fire-proof safe.
    _go(page, lambda: page.get_by_role("link", name="Back to backups").click())
    _go(page, lambda: page.get_by_role("link", name="Add a backup set").click())
    page.get_by_label("Name").fill("Weekly tape")
    page.get_by_label("What it backs up").fill("Admin server")
    page.get_by_label("Tape", exact=True).check()
    page.get_by_label("How often it runs").fill("Every Friday")
    page.get_by_label("The backup is encrypted").check()
    page.get_by_label("Where the tapes or disks are kept").select_option(
        label="Server room safe (fire-proof)"
    )
    _go(page, lambda: page.get_by_role("button", name="Save").click())
    assert page.get_by_text("The backup set Weekly tape is recorded.").is_visible()

    # A successful restore test clears the set's last flag.
    _go(page, lambda: page.get_by_role("link", name="Record a restore test").click())
    assert page.get_by_label("Date of the test").input_value() == timezone.localdate().isoformat()
    page.get_by_label("What was restored").fill("The finance folder, to a spare laptop")
    page.get_by_label("Restored successfully").check()
    _go(page, lambda: page.get_by_role("button", name="Save").click())
    assert page.get_by_text("The restore test of Weekly tape is recorded.").is_visible()
    assert page.locator("#set-flags").inner_text().startswith("Encrypted, kept where it should be")
    assert page.get_by_role("cell", name="Ira Itlead").is_visible()

    # The 3-2-1 standard: two kinds of media and an off-site copy, but only two backups.
    _go(page, lambda: page.get_by_role("link", name="Back to backups").click())
    main = page.locator("main").inner_text()
    assert "Only 2 backup sets are in use: the standard asks for at least three." in main
    assert "Backups are on tape and cloud / off-site service." in main
    assert "Off site: Grid cloud backup." in main
    assert BackupSet.objects.get(name="Grid cloud backup").off_site
    assert RestoreTest.objects.get().tested_by == it_lead

    # Lend the laptop to a member of staff, then take it back.
    _go(page, lambda: page.goto(f"/s/{school.slug}/loans/"))
    _go(page, lambda: page.get_by_role("link", name="Lend a device").click())
    page.get_by_label("Device").select_option(label="Laptop: Dell Latitude 5440 (LT-04)")
    page.get_by_label("Lent to").select_option(label="Farrow, Imogen (staff)")
    due = timezone.localdate() + dt.timedelta(days=14)
    page.get_by_label("Due back").fill(due.isoformat())
    page.get_by_label("Condition when lent").fill("Good, with charger")
    _go(page, lambda: page.get_by_role("button", name="Lend").click())
    assert page.get_by_text("Dell Latitude 5440 (LT-04) is lent to Imogen Farrow.").is_visible()
    laptop.refresh_from_db()
    assert laptop.status == "on_loan"

    _go(page, lambda: page.get_by_role("link", name="Record return of Dell Latitude 5440").click())
    page.get_by_label("Condition when returned").fill("Fine; charger returned")
    page.get_by_label("In store").check()
    _go(page, lambda: page.get_by_role("button", name="Record the return").click())
    assert page.get_by_text("Dell Latitude 5440 (LT-04) is back from Imogen Farrow.").is_visible()
    assert page.get_by_text("No loans to show.").is_visible()
    page.get_by_label("Show").select_option("returned")
    _go(page, lambda: page.get_by_role("button", name="Show").click())
    assert page.get_by_role("cell", name="Fine; charger returned").is_visible()
    laptop.refresh_from_db()
    assert laptop.status == "in_store"
    assert Loan.objects.get().returned_on == timezone.localdate()
