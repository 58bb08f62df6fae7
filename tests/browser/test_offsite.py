"""A member of staff asks to take data home (an unencrypted drive is refused), the DPO
approves, and the member of staff records that the data is back."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from bastion.equipment.models import Device
from bastion.offsite.models import Removal
from bastion.people.models import Person
from bastion.systems.models import System
from tests.browser.conftest import sign_in


def _go(page, action) -> None:
    action()
    page.wait_for_load_state()
    page.axe()


def test_staff_ask_to_take_data_off_site_and_the_dpo_approves(new_page, staff, dpo, school):
    Person.objects.create(
        school=school, kind="staff", first_name="Sam", last_name="Staff", user=staff
    )
    common = {"school": school, "holds_personal_data": True, "status": "in_use"}
    Device.objects.create(
        kind="flash_drive", make="SanDisk", model="Cruzer", asset_tag="FD-02", **common
    )
    Device.objects.create(
        kind="flash_drive",
        make="Kingston",
        model="IronKey",
        asset_tag="FD-01",
        encrypted=True,
        **common,
    )
    System.objects.create(school=school, name="RAv3 VPN", kind="remote_access", mfa_enforced=True)

    page = new_page()
    sign_in(page, staff)
    page.axe()
    _go(page, lambda: page.get_by_role("link", name="Data off site").click())
    assert page.get_by_text("RAv3 VPN (with two-factor authentication)").is_visible()
    _go(page, lambda: page.get_by_role("link", name="Ask to take data off site").click())
    page.get_by_label("What data").fill("Year 6 reading records")
    page.get_by_label("Why it must leave school").fill("Parents' evening preparation")
    page.get_by_label("Encrypted device from the equipment register").select_option(
        label="Encrypted flash drive: SanDisk Cruzer (FD-02) (not encrypted)"
    )
    due = timezone.localdate() + dt.timedelta(days=3)
    page.get_by_label("Due back").fill(due.isoformat())
    _go(page, lambda: page.get_by_role("button", name="Send the request").click())
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert "SanDisk Cruzer (FD-02) is not encrypted" in page.locator("main").inner_text()
    assert page.get_by_label("What data").input_value() == "Year 6 reading records"
    page.get_by_label("Encrypted device from the equipment register").select_option(
        label="Encrypted flash drive: Kingston IronKey (FD-01)"
    )
    _go(page, lambda: page.get_by_role("button", name="Send the request").click())
    assert page.get_by_text("Your request is sent to the SIRO and the DPO").is_visible()
    assert page.get_by_text("Awaiting approval", exact=True).last.is_visible()

    officer = new_page()
    sign_in(officer, dpo)
    officer.axe()
    _go(officer, lambda: officer.goto(f"/s/{school.slug}/offsite/?show=requested"))
    _go(
        officer,
        lambda: officer.get_by_role("link", name="Decide on Year 6 reading records").click(),
    )
    officer.get_by_label("Approve").check()
    _go(officer, lambda: officer.get_by_role("button", name="Save the decision").click())
    assert officer.get_by_text("The request by Sam Staff is approved.").is_visible()
    assert Removal.objects.get().status == "approved"

    _go(page, lambda: page.reload())
    _go(
        page,
        lambda: page.get_by_role("link", name="Record return of Year 6 reading records").click(),
    )
    page.get_by_label("It came back to school").check()
    _go(page, lambda: page.get_by_role("button", name="Save").click())
    assert page.get_by_text("Year 6 reading records: recorded as back in school.").is_visible()
    assert Removal.objects.get().status == "returned"
