"""An invitation link opened in a fresh browser: a weak password is refused, a strong one joins."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from bastion.accounts.models import User
from bastion.accounts.services import invitation_create
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, totp_code


@pytest.fixture(autouse=True)
def _fresh_throttle(db):
    cache.clear()
    yield
    cache.clear()


def test_an_invitee_is_told_why_a_weak_password_is_refused_then_joins_with_a_strong_one(
    new_page, siro, school
):
    _, token = invitation_create(
        actor=siro,
        school=school,
        email="nia.okafor@ashmole.example.org",
        first_name="Nia",
        last_name="Okafor",
        roles=["staff"],
    )
    page = new_page()
    page.goto(f"/accounts/invitation/{token}/")
    page.axe()
    assert page.get_by_role("heading", name=f"Join {school.name}").is_visible()

    page.get_by_label("Choose a password").fill("password1234")
    page.get_by_label("Type it again").fill("password1234")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_load_state()
    page.axe()
    summary = page.get_by_role("alert")
    assert "This password is too common." in summary.inner_text()
    assert not User.objects.filter(email="nia.okafor@ashmole.example.org").exists()

    page.get_by_label("Choose a password").fill("lantern-quarry-velvet-0482")
    page.get_by_label("Type it again").fill("lantern-quarry-velvet-0482")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(f"**/s/{school.slug}/")
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_role("heading", name=school.name).is_visible()
    assert User.objects.get(email="nia.okafor@ashmole.example.org").memberships.get().active


def test_someone_with_an_account_signs_in_first_and_joins_a_second_school(
    new_page, siro, staff, outsider, school
):
    _, token = invitation_create(
        actor=siro,
        school=school,
        email=outsider.email,
        first_name="Otto",
        last_name="Outsider",
        roles=["governor"],
    )
    page = new_page()
    # The shared staffroom computer is still signed in as a colleague.
    sign_in(page, staff)
    page.axe()
    page.goto(f"/accounts/invitation/{token}/")
    page.axe()
    assert page.get_by_role("heading", name="This invitation is for someone else").is_visible()
    page.get_by_role("button", name="Sign out and continue").click()
    page.wait_for_load_state()
    page.axe()
    assert "/accounts/login/" in page.url
    assert page.get_by_text("You have signed out.").is_visible()
    assert page.get_by_text(f"Sign in as {outsider.email}").is_visible()
    page.get_by_label("Email").fill(outsider.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_label("Authenticator code").fill(totp_code(outsider.totp_secret))
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_text("You already have a Bastion account").is_visible()
    page.get_by_role("button", name=f"Join {school.name}").click()
    page.wait_for_url(f"**/s/{school.slug}/")
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_role("heading", name=school.name).is_visible()


def test_a_broken_link_gets_a_kind_page(new_page, db):
    page = new_page()
    response = page.goto("/accounts/invitation/not-a-real-token/")
    page.axe()
    assert response.status == 410
    assert page.get_by_role("heading", name="This invitation link cannot be used").is_visible()
