"""The SIRO opens the yearly housekeeping, a member of staff attests, the SIRO sees it."""

from __future__ import annotations

from django.utils import timezone

from bastion.housekeeping.campaigns import school_year, year_end
from bastion.people.models import Person
from tests.browser.conftest import sign_in


def _go(page, action) -> None:
    action()
    page.wait_for_load_state()
    page.axe()


def test_the_siro_opens_housekeeping_and_staff_attest(new_page, siro, staff, school):
    Person.objects.create(
        school=school, kind="staff", first_name="Sam", last_name="Staff", user=staff
    )
    head = new_page()
    sign_in(head, siro)
    head.axe()
    _go(head, lambda: head.get_by_role("link", name="Housekeeping").click())
    _go(head, lambda: head.get_by_role("link", name="See everyone's progress").click())
    _go(head, lambda: head.get_by_role("link", name="Open this year's housekeeping").click())
    head.get_by_label("Deadline").fill("2000-01-01")
    _go(head, lambda: head.get_by_role("button", name="Save").click())
    assert head.get_by_role("heading", name="There is a problem").is_visible()
    deadline = year_end(school_year(timezone.localdate()))
    head.get_by_label("Deadline").fill(deadline.isoformat())
    head.get_by_label("Instructions for staff (optional)").fill("Shared drive, laptop, e-mail")
    _go(head, lambda: head.get_by_role("button", name="Save").click())
    assert head.locator("#progress").inner_text().startswith("0 of 1 staff have attested (0%).")
    assert head.locator("#missing").get_by_text("Sam Staff").is_visible()

    page = new_page()
    sign_in(page, staff)
    page.axe()
    _go(page, lambda: page.goto("/tasks/"))
    _go(page, lambda: page.get_by_role("link", name="Do your yearly housekeeping").click())
    assert page.get_by_text("Shared drive, laptop, e-mail").is_visible()
    page.get_by_label("I have reviewed the digital material").check()
    page.get_by_label("Note (optional)").fill("Deleted old class photos")
    _go(page, lambda: page.get_by_role("button", name="Confirm").click())
    assert page.get_by_text("Thank you: your housekeeping is recorded.").is_visible()

    _go(head, lambda: head.reload())
    assert head.locator("#progress").inner_text().startswith("1 of 1 staff have attested (100%).")
    _go(head, lambda: head.get_by_role("link", name="See who has attested").click())
    assert head.locator("#attestations").get_by_text("Deleted old class photos").is_visible()
