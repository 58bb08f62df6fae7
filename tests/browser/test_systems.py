"""The IT lead registers the MIS and gives a teacher an account; the teacher attests a password
change from My tasks, then logs a report sent by e-mail and sees it flagged."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from bastion.systems.models import PasswordChange, Transfer
from tests.browser.conftest import sign_in
from tests.systems.conftest import person_for


def _go(page, action) -> None:
    action()
    page.wait_for_load_state()
    page.axe()


def test_a_system_its_accounts_an_attested_change_and_a_flagged_transfer(
    new_page, it_lead, staff, dpo, school
):
    person_for(staff, school, job_title="Year 3 Teacher")
    person_for(it_lead, school, job_title="IT Technician")

    page = new_page()
    sign_in(page, it_lead)
    page.axe()
    _go(page, lambda: page.goto(f"/s/{school.slug}/systems/"))
    assert page.get_by_text("No systems are recorded yet.").is_visible()
    _go(page, lambda: page.get_by_role("link", name="Add a system").click())
    page.get_by_label("Name").fill("SIMS")
    page.get_by_label("Kind").select_option(label="Management information system (MIS)")
    page.get_by_label("Owner").select_option(label="Ira Itlead, IT Technician")
    page.get_by_label("Password rules").fill("At least 12 characters")
    page.get_by_label("How accounts are created and removed").fill("From the staff record")
    assert page.get_by_label("Password change period (months)").input_value() == "6"
    _go(page, lambda: page.get_by_role("button", name="Save").click())
    assert page.get_by_text("SIMS is added to the systems register.").is_visible()

    # The school's e-mail: approved for nobody.
    _go(page, lambda: page.get_by_role("link", name="Systems", exact=True).first.click())
    _go(page, lambda: page.get_by_role("link", name="Add a system").click())
    page.get_by_label("Name").fill("School e-mail")
    page.get_by_label("Kind").select_option(label="E-mail")
    page.get_by_label("Password change period (months)").fill("")
    _go(page, lambda: page.get_by_role("button", name="Save").click())
    assert page.get_by_text("It needs an owner and an approved provisioning process").is_visible()

    _go(page, lambda: page.goto(f"/s/{school.slug}/systems/"))
    _go(page, lambda: page.get_by_role("link", name="SIMS").click())
    _go(page, lambda: page.get_by_role("link", name="Add accounts").click())
    page.get_by_label("Sam Staff, Year 3 Teacher").check()
    _go(page, lambda: page.get_by_role("button", name="Add accounts").click())
    assert page.get_by_text("1 account added on SIMS.").is_visible()
    assert page.get_by_role("cell", name="Sam Staff", exact=True).is_visible()
    assert page.get_by_text("No change recorded").is_visible()

    # The teacher sees the task, and attests the change (never the password).
    teacher = new_page()
    sign_in(teacher, staff)
    teacher.axe()
    _go(teacher, lambda: teacher.goto("/tasks/"))
    _go(
        teacher,
        lambda: teacher.get_by_role(
            "link", name="Change your password for SIMS: no change recorded yet"
        ).click(),
    )
    today = timezone.localdate()
    assert teacher.get_by_label("Date you changed it").input_value() == today.isoformat()
    teacher.get_by_label("Date you changed it").fill((today + dt.timedelta(days=2)).isoformat())
    teacher.get_by_label("I changed my password for this system on this date").check()
    _go(teacher, lambda: teacher.get_by_role("button", name="Record the change").click())
    assert teacher.get_by_text("The date cannot be in the future.").first.is_visible()
    teacher.get_by_label("Date you changed it").fill(today.isoformat())
    _go(teacher, lambda: teacher.get_by_role("button", name="Record the change").click())
    assert teacher.get_by_text("your password change for SIMS").is_visible()
    assert teacher.get_by_text("In date").is_visible()
    assert PasswordChange.objects.get().changed_on == today
    _go(teacher, lambda: teacher.goto("/tasks/"))
    assert teacher.get_by_text("Change your password for SIMS").count() == 0

    # A report sent by e-mail to the school nurse: flagged at once.
    _go(teacher, lambda: teacher.goto(f"/s/{school.slug}/"))
    _go(teacher, lambda: teacher.get_by_role("link", name="Data transfers").first.click())
    _go(teacher, lambda: teacher.get_by_role("link", name="Record a data transfer").click())
    teacher.get_by_label("What was sent").fill("Attendance summary for a pupil")
    teacher.get_by_label("Recipient organisation").fill("Northbridge school nursing team")
    teacher.get_by_label("Kind of recipient").select_option(label="Health")
    teacher.get_by_label("Sent through").select_option(label="School e-mail")
    teacher.get_by_label("Lawful basis").select_option(label="Public task (Article 6(1)(e))")
    _go(teacher, lambda: teacher.get_by_role("button", name="Record the transfer").click())
    assert teacher.get_by_text("The DPO has been told.").is_visible()
    flag = teacher.locator("#transfer-flag").inner_text()
    assert "Flagged: sent through a channel not approved" in flag
    assert "School e-mail is not approved for sending personal data to anyone." in flag
    assert Transfer.objects.get().flagged

    # The IT lead sees the change on the compliance page and the teacher's own page.
    _go(page, lambda: page.goto(f"/s/{school.slug}/systems/passwords/"))
    assert page.locator("#compliance-summary").inner_text() == "1 of 1 account in date (100%)."
    _go(page, lambda: page.get_by_role("link", name="Sam Staff").click())
    assert page.get_by_role("heading", name="Accounts of Sam Staff").is_visible()
    _go(page, lambda: page.goto(f"/s/{school.slug}/systems/accounts/import/"))
    assert page.get_by_role("button", name="Check the file").is_visible()
