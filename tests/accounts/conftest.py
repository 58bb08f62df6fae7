"""Helpers for the account tests: sign in through the real allauth forms."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from tests.conftest import PASSWORD, totp_code


@pytest.fixture(autouse=True)
def _fresh_throttle(db):
    # Sign-in throttling and used TOTP codes live in the cache; start each test without them.
    cache.clear()
    yield
    cache.clear()


def sign_in(user, password: str = PASSWORD, client: Client | None = None) -> Client:
    """A Client that signed in through the login page (and the TOTP step when the user has it)."""
    client = client or Client()
    response = client.post("/accounts/login/", {"login": user.email, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    if response.url.startswith("/accounts/2fa/authenticate/"):
        response = client.post(response.url, {"code": totp_code(user.totp_secret)})
        assert response.status_code == 302, response.content.decode()[:2000]
    return client


def confirm_password(client: Client, password: str = PASSWORD) -> None:
    """Answer allauth's "confirm it's you" step, which guards every change to sign-in methods."""
    response = client.post("/accounts/reauthenticate/", {"password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
