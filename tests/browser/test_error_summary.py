"""Every form's error summary takes the focus when the page comes back with errors, so a
keyboard or screen reader user lands on what to put right (GOV.UK Frontend's ErrorSummary,
started by bastion/static/bastion/bastion.js)."""

from __future__ import annotations

from tests.browser.conftest import sign_in

FOCUSED_SUMMARY = (
    "document.activeElement.matches('.govuk-error-summary[data-module=govuk-error-summary]')"
)


def test_a_bad_form_sent_after_the_skip_link_focuses_its_error_summary(page, school, it_lead):
    sign_in(page, it_lead)
    page.axe()
    page.goto(f"/s/{school.slug}/equipment/devices/add/")
    page.axe()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    page.get_by_label("Make").fill("Dell")
    page.get_by_role("button", name="Save").press("Enter")
    page.wait_for_load_state()
    page.axe()

    assert page.locator(".govuk-error-summary").first.is_visible()
    assert page.evaluate(FOCUSED_SUMMARY)


def test_a_bad_sign_in_focuses_its_error_summary(page, it_lead):
    page.goto("/accounts/login/")
    page.axe()
    page.get_by_label("Email").fill(it_lead.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_load_state()
    page.axe()

    assert page.evaluate(FOCUSED_SUMMARY)
