"""Two-factor authentication in a real browser: TOTP set-up on first sign-in, and passkeys."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core.cache import cache

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, totp_code


@pytest.fixture(autouse=True)
def _fresh_throttle(db):
    # Live-server tests commit, and the cache (throttles, used TOTP codes) is a database table.
    cache.clear()
    yield
    cache.clear()


def _confirm_password(page):
    page.axe()
    assert page.get_by_role("heading", name="Confirm it's you").is_visible()
    # (The idle-lock dialog, hidden, has a password field of its own.)
    page.get_by_role("main").get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()


def test_a_siro_without_mfa_is_sent_to_set_up_totp_and_then_reaches_the_school(page, siro, school):
    Authenticator.objects.filter(user=siro).delete()
    siro.totp_secret = None

    sign_in(page, siro)
    page.axe()
    assert page.url.endswith("/accounts/2fa/")
    assert page.get_by_text("needs two-factor authentication").is_visible()

    page.get_by_role("button", name="Set up an authenticator app").click()
    page.wait_for_load_state()
    _confirm_password(page)
    page.axe()
    assert page.url.endswith("/accounts/2fa/totp/activate/")
    assert page.get_by_role("img", name=re.compile("QR code")).is_visible()
    secret = page.locator("#totp-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret)

    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on").click()
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_role("heading", name="Your recovery codes").is_visible()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    assert Authenticator.objects.filter(user=siro, type="totp").exists()

    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    page.axe()
    assert page.url.endswith(f"/s/{school.slug}/")
    assert page.get_by_role("heading", name=school.name).is_visible()


def test_a_siro_adds_a_passkey_and_signs_in_with_it(page, siro, school):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    sign_in(page, siro)
    page.axe()
    page.goto("/accounts/2fa/")
    page.axe()
    page.get_by_role("link", name="Add a passkey or security key").click()
    page.wait_for_load_state()
    _confirm_password(page)
    page.axe()
    page.get_by_label("Name").fill("Office laptop")
    page.get_by_label("Sign in with it, without a password").check()
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url(re.compile(r"/accounts/2fa/(recovery-codes/)?$"))
    page.wait_for_load_state()
    page.axe()
    key = Authenticator.objects.get(user=siro, type="webauthn")
    assert key.wrap().name == "Office laptop"
    assert key.wrap().is_passwordless

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.wait_for_load_state()
    page.axe()

    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(re.compile(rf"/s/{school.slug}/$"))
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_role("heading", name=school.name).is_visible()

    # The passkey also answers the second step after a password.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.wait_for_load_state()
    page.axe()
    page.get_by_label("Email").fill(siro.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.wait_for_load_state()
    page.axe()
    page.get_by_role("button", name="Use a passkey or security key").click()
    page.wait_for_url(re.compile(rf"/s/{school.slug}/$"))
    page.wait_for_load_state()
    page.axe()


def _visit(page, url):
    page.goto(url)
    page.axe()
    assert page.locator("h1").count() == 1, url


def test_every_account_and_two_factor_page_passes_the_accessibility_check(page, siro):
    RecoveryCodes.activate(siro)
    sign_in(page, siro)
    page.axe()
    page.goto("/accounts/reauthenticate/?next=/accounts/2fa/")
    _confirm_password(page)
    page.axe()
    for url in ("/accounts/2fa/reauthenticate/", "/accounts/email/"):
        _visit(page, url)
    # Enough of a key for the pages that list, rename and remove it (not for signing in).
    key = Authenticator.objects.create(
        user=siro,
        type=Authenticator.Type.WEBAUTHN,
        data={"name": "Blue key", "credential": {"clientExtensionResults": {}}},
    )
    for url in (
        "/accounts/2fa/",
        "/accounts/2fa/recovery-codes/",
        "/accounts/2fa/recovery-codes/generate/",
        "/accounts/2fa/totp/deactivate/",
        "/accounts/2fa/webauthn/",
        f"/accounts/2fa/webauthn/keys/{key.pk}/edit/",
        f"/accounts/2fa/webauthn/keys/{key.pk}/remove/",
        "/accounts/logout/",
        "/accounts/password/change/",
    ):
        _visit(page, url)

    # A form with several errors on one field still passes (one error element per field).
    page.get_by_label("Current password").fill("not-my-password")
    page.get_by_label("New password", exact=True).fill("aaaa")
    page.get_by_label("Type the new password again").fill("aaaa")
    page.get_by_role("button", name="Change password").click()
    page.wait_for_load_state()
    page.axe()
    assert "That is not your current password." in page.get_by_role("alert").inner_text()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    page.axe()
    for url in (
        "/accounts/password/reset/",
        "/accounts/password/reset/key/1-garbage/",
        "/accounts/signup/",
        "/accounts/inactive/",
    ):
        _visit(page, url)

    page.goto("/accounts/login/")
    page.axe()
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_role("alert").is_visible()

    page.goto("/accounts/password/reset/")
    page.axe()
    for _ in range(4):
        page.get_by_label("Email").fill(siro.email)
        page.get_by_role("button", name="Send the link").click()
        page.wait_for_load_state()
        page.axe()
        if "Too many attempts" in page.content():
            break
        page.goto("/accounts/password/reset/")
        page.axe()
    assert page.get_by_role("heading", name="Too many attempts").is_visible()
