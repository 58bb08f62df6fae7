"""The SIRO edits the school's settings and hands out roles, in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from bastion.core.models import Membership, School
from tests.browser.conftest import sign_in


def test_the_siro_edits_the_settings_and_assigns_the_dpo(page, siro, staff, school):
    sign_in(page, siro)
    page.axe()
    assert page.url.endswith(f"/s/{school.slug}/")

    page.get_by_role("link", name="Settings").click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_label("Name").fill("Ashmole Primary School")
    page.get_by_label("Idle lock (minutes)").fill("0")
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_load_state()
    page.axe()
    summary = page.locator("main .govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("The idle lock must be between 1 and 120 minutes.")
    # What was typed is still there, the wrong value included, and nothing was saved.
    expect(page.get_by_label("Name")).to_have_value("Ashmole Primary School")
    expect(page.get_by_label("Idle lock (minutes)")).to_have_value("0")
    assert School.objects.get(pk=school.pk).name == "Ashmole Primary"

    # The summary's link takes the keyboard to the field.
    summary.get_by_role("link").click()
    expect(page.get_by_label("Idle lock (minutes)")).to_be_focused()
    page.get_by_label("Idle lock (minutes)").fill("15")
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_load_state()
    page.axe()
    expect(page.get_by_text("The school's settings are saved.")).to_be_visible()
    school.refresh_from_db()
    assert (school.name, school.idle_lock_minutes) == ("Ashmole Primary School", 15)

    page.get_by_role("link", name="People & roles").click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_role("link", name=f"Roles of {staff}").click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_label("DPO").check()
    page.get_by_role("button", name="Save roles").click()
    page.wait_for_load_state()
    page.axe()
    expect(page.get_by_text(f"Roles saved for {staff}.")).to_be_visible()
    assert Membership.objects.get(user=staff, school=school).roles == {"dpo", "staff"}

    page.get_by_role("link", name=f"Roles of {siro}").click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_label("DPO").check()
    page.get_by_role("button", name="Save roles").click()
    page.wait_for_load_state()
    page.axe()
    message = "The DPO must not be the same person as the SIRO: the policy keeps the roles apart."
    expect(page.locator("main .govuk-error-summary")).to_contain_text(message)
    expect(page.locator("main .govuk-error-message")).to_contain_text(message)
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert Membership.objects.get(user=siro, school=school).roles == {"siro", "staff"}
    assert Membership.objects.get(user=staff, school=school).is_dpo


def test_a_member_of_staff_meets_plain_error_pages(page, staff, school, other_school):
    sign_in(page, staff)
    page.axe()
    response = page.goto(f"/s/{school.slug}/settings/")
    page.axe()
    assert response.status == 403
    expect(page.get_by_role("heading", name="You cannot open this page")).to_be_visible()
    response = page.goto(f"/s/{other_school.slug}/")
    page.axe()
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    page.get_by_role("link", name="Go to your schools").click()
    page.wait_for_load_state()
    page.axe()
    assert page.url.endswith(f"/s/{school.slug}/")
