"""Signing in with a personal account: audited, throttled, and closed to self sign-up."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.test import Client

from bastion.core.models import AuditEvent
from tests.accounts.conftest import sign_in
from tests.conftest import PASSWORD, totp_code


def _post_login(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_the_sign_in_page_offers_no_way_to_sign_up(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in to Bastion" in page
    assert "/accounts/signup/" not in page
    assert "created by invitation" in page


def test_the_sign_up_page_says_accounts_come_by_invitation(client, db):
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    assert "Accounts are created by invitation" in response.content.decode()


def test_a_member_of_staff_signs_in_and_the_sign_in_is_audited(staff, school):
    client = sign_in(staff)
    assert client.get("/").url == f"/s/{school.slug}/"
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor == staff
    assert event.ip == "127.0.0.1"


def test_a_wrong_password_is_refused_and_the_failure_audited(client, staff):
    response = _post_login(client, staff.email, "not-the-password-at-all")
    assert response.status_code == 200
    assert "The e-mail address or the password is not right." in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.actor is None
    assert event.actor_label == staff.email
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_a_user_with_totp_must_give_the_code_before_being_signed_in(client, siro):
    response = _post_login(client, siro.email, PASSWORD)
    assert response.url.startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in client.session
    page = client.get(response.url).content.decode()
    assert "Authenticator code" in page
    wrong = client.post(response.url, {"code": "000000"})
    assert "That code is not right" in wrong.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="mfa.failed", actor=siro).exists()
    right = client.post(response.url, {"code": totp_code(siro.totp_secret)})
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(siro.pk)


def test_after_five_failures_even_the_right_password_is_refused_with_a_clear_message(client, staff):
    for _ in range(5):
        _post_login(client, staff.email, "wrong-password-guess")
    response = _post_login(client, staff.email, PASSWORD)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Too many failed attempts to sign in to this account" in page
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 5
    throttled = AuditEvent.objects.get(action="auth.login_throttled")
    assert throttled.actor_label == staff.email


def test_the_throttle_is_per_address_so_a_colleague_can_still_sign_in(client, staff, office):
    for _ in range(5):
        _post_login(Client(), staff.email, "wrong-password-guess")
    assert _post_login(client, office.email, PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(office.pk)


def test_four_failures_do_not_lock_the_owner_out(client, staff):
    for _ in range(4):
        _post_login(Client(), staff.email, "wrong-password-guess")
    assert _post_login(client, staff.email, PASSWORD).status_code == 302


def test_bad_sign_in_input_gets_messages_and_never_a_500(client, staff):
    for data in (
        {},
        {"login": "", "password": ""},
        {"login": "not-an-email", "password": "x"},
        {"login": "a" * 10_000 + "@example.org", "password": "p" * 10_000},
        {"login": ["one@example.org", "two@example.org"], "password": PASSWORD},
        {"login": "\x00<script>@example.org", "password": "\x00"},
    ):
        response = client.post("/accounts/login/", data)
        assert response.status_code == 200, data
        assert "There is a problem" in response.content.decode()
        assert "_auth_user_id" not in client.session


def test_a_hostile_next_address_is_not_followed(client, staff):
    response = client.post(
        "/accounts/login/?next=https://evil.example.com/",
        {"login": staff.email, "password": PASSWORD, "next": "https://evil.example.com/"},
    )
    assert response.status_code == 302
    assert "evil.example.com" not in response.url


def test_signing_out_is_audited(staff):
    client = sign_in(staff)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.logout", actor=staff).exists()


def test_too_many_password_reset_requests_get_the_kind_429_page(client, staff, settings):
    for _ in range(3):
        client.post("/accounts/password/reset/", {"email": staff.email})
    response = client.post("/accounts/password/reset/", {"email": staff.email})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many attempts" in page
    assert "bastion-header" in page  # in Bastion's own layout


def test_a_member_cannot_move_their_account_to_another_e_mail_address(client_for, staff):
    client = client_for(staff)
    response = client.post("/accounts/email/", {"email": "elsewhere@example.org", "action_add": ""})
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.email == "sam.staff@ashmole.example.org"
    assert not EmailAddress.objects.filter(email="elsewhere@example.org").exists()
