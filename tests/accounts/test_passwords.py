"""Strong passwords (policy P10): Argon2 hashes, and every refusal says why."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from bastion.accounts.models import User
from bastion.accounts.services import invitation_create
from bastion.core.models import AuditEvent
from tests.accounts.conftest import sign_in
from tests.conftest import PASSWORD

STRONG = "lantern-quarry-velvet-0482"

# (password, what the form must say) for someone called Priya Raman, priya.raman@...
REFUSED = [
    ("Sh0rt-pass", "This password is too short. It must contain at least 12 characters."),
    ("password1234", "This password is too common."),
    ("priya.raman@ashmole", "The password is too similar to the e-mail address."),
    ("Priya2024Raman!", "This password is too like your name or e-mail address."),
    ("abcdefghijklmn", "This password is too easy to guess. Sequences like"),
    ("aaaaaaaaaaaaaaa", "This password is too easy to guess. Repeats like"),
]


@pytest.fixture
def priya_invitation(siro, school):
    invitation, token = invitation_create(
        actor=siro,
        school=school,
        email="priya.raman@ashmole.example.org",
        first_name="Priya",
        last_name="Raman",
        roles=["staff"],
    )
    return invitation, f"/accounts/invitation/{token}/"


@pytest.fixture
def priya(school):
    from tests.conftest import add_member, make_user

    user = make_user("priya.raman@ashmole.example.org", "Priya", "Raman")
    add_member(user, school, "staff")
    return user


def _page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(("password", "reason"), REFUSED, ids=[r[1][:30] for r in REFUSED])
def test_the_invitation_form_refuses_a_weak_password_with_the_reason(
    client, priya_invitation, password, reason
):
    _, url = priya_invitation
    response = client.post(url, {"password1": password, "password2": password})
    assert response.status_code == 200
    assert reason in _page(response)
    assert not User.objects.filter(email="priya.raman@ashmole.example.org").exists()


@pytest.mark.parametrize(("password", "reason"), REFUSED, ids=[r[1][:30] for r in REFUSED])
def test_the_password_change_form_refuses_a_weak_password_with_the_reason(priya, password, reason):
    client = sign_in(priya)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": password, "password2": password},
    )
    assert response.status_code == 200
    assert reason in _page(response)
    priya.refresh_from_db()
    assert priya.check_password(PASSWORD)


def test_a_strong_password_is_accepted_on_the_password_change_form(priya):
    client = sign_in(priya)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": STRONG, "password2": STRONG},
    )
    assert response.status_code == 302
    priya.refresh_from_db()
    assert priya.check_password(STRONG)
    assert AuditEvent.objects.filter(action="auth.password_changed", actor=priya).exists()


def test_the_password_change_form_needs_the_current_password(priya):
    client = sign_in(priya)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": "not-my-password", "password1": STRONG, "password2": STRONG},
    )
    assert "That is not your current password." in _page(response)
    priya.refresh_from_db()
    assert priya.check_password(PASSWORD)


def test_two_different_new_passwords_are_refused(client, priya_invitation):
    _, url = priya_invitation
    response = client.post(url, {"password1": STRONG, "password2": STRONG + "x"})
    assert "The two passwords are not the same." in _page(response)


def test_a_strong_password_is_stored_as_an_argon2_hash(client, priya_invitation, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    _, url = priya_invitation
    response = client.post(url, {"password1": STRONG, "password2": STRONG})
    assert response.status_code == 302
    user = User.objects.get(email="priya.raman@ashmole.example.org")
    assert user.password.startswith("argon2$argon2id$")
    assert STRONG not in user.password
    assert user.check_password(STRONG)
    assert not user.check_password(STRONG.upper())


def test_the_password_hint_names_the_rules(client, priya_invitation):
    _, url = priya_invitation
    page = _page(client.get(url))
    assert "At least 12 characters" in page


def test_a_forgotten_password_is_reset_through_an_emailed_link_with_the_same_rules(
    client, priya, smtp, django_capture_on_commit_callbacks
):
    import email
    import re

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": priya.email})
    assert response.url == "/accounts/password/reset/done/"
    assert "Check your e-mail" in _page(client.get(response.url))
    [message] = smtp.messages
    body = email.message_from_string(message.data).get_payload(decode=True).decode()
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", body).group(1)

    form_url = client.get(link).url  # allauth moves the key out of the address first
    weak = client.post(form_url, {"password1": "Priya2024Raman!", "password2": "Priya2024Raman!"})
    assert "This password is too like your name or e-mail address." in _page(weak)
    done = client.post(form_url, {"password1": STRONG, "password2": STRONG})
    assert done.status_code == 302
    priya.refresh_from_db()
    assert priya.check_password(STRONG)
    assert "This link cannot be used" in _page(Client().get(link, follow=True))


def test_a_reset_for_an_unknown_address_looks_the_same_and_offers_no_sign_up(
    client, db, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.url == "/accounts/password/reset/done/"
    [message] = smtp.messages
    assert "no Bastion account with this address" in message.data
    assert "signup" not in message.data
