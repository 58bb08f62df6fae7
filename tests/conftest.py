"""Shared fixtures: two schools and their people, logged-in clients, a real SMTP server.

Personas (school A is "Ashmole", in trust T; school B is "Brookfield", in another trust):
  siro, dpo, it_lead, office, staff, governor — members of school A with that role
  trust_admin — runs trust T (so school A)
  outsider    — the SIRO of school B
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, hotp_value
from django.db import connection
from django.test import Client

from bastion.accounts.models import User
from bastion.core.models import Membership, School, Trust, TrustAdmin

PASSWORD = "tidal-copper-orchard-5521"
# aiosmtpd's server thread logs connection chatter after a test's output capture has closed.
logging.getLogger("mail.log").setLevel(logging.CRITICAL)
_audit_migration = importlib.import_module("bastion.core.migrations.0002_audit_chain")


def set_audit_triggers(on: bool) -> None:
    """Install or drop the database triggers that make the audit table append-only."""
    vendor = connection.vendor
    install = {"sqlite": _audit_migration.SQLITE, "postgresql": _audit_migration.POSTGRES}
    with connection.cursor() as cursor:
        for sql in _audit_migration.DROP[vendor]:
            cursor.execute(sql)
        for sql in install[vendor] if on else []:
            cursor.execute(sql)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # The migrations install the triggers; tests that flush tables between runs (the live
    # server's) need them off. tests/core/test_audit.py turns them on to test them.
    with django_db_blocker.unblock():
        set_audit_triggers(False)


@pytest.fixture
def append_only_audit(db):
    set_audit_triggers(True)
    yield
    set_audit_triggers(False)


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # Argon2 at full strength costs ~100 ms per hash; tests that check Argon2 re-enable it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]


def make_user(email: str, first: str = "Test", last: str = "Person", password=PASSWORD) -> User:
    return User.objects.create_user(email, password, first_name=first, last_name=last)


def add_member(user, school, *roles, job_title="") -> Membership:
    roles = set(roles) or {"staff"}
    fields = {field: role in roles for role, field in Membership.ROLE_FIELDS.items()}
    return Membership.objects.create(user=user, school=school, job_title=job_title, **fields)


def enrol_totp(user) -> str:
    """Give the user a TOTP authenticator; returns the secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str, at: float | None = None) -> str:
    import time

    from allauth.mfa import app_settings

    if at is None:
        # A code read in a window's last seconds may reach the server in the next one, which
        # refuses it (no tolerance is allowed): wait for the next window, as a person would.
        left = app_settings.TOTP_PERIOD - time.time() % app_settings.TOTP_PERIOD
        if left < 5:
            time.sleep(left + 0.05)
    counter = int((at or time.time()) // app_settings.TOTP_PERIOD)
    return str(hotp_value(secret, counter)).zfill(app_settings.TOTP_DIGITS)


@pytest.fixture
def trust(db):
    return Trust.objects.create(name="Harbour Learning Trust", slug="harbour")


@pytest.fixture
def school(trust):
    return School.objects.create(trust=trust, name="Ashmole Primary", slug="ashmole", urn="100000")


@pytest.fixture
def other_school(db):
    other_trust = Trust.objects.create(name="Elsewhere Trust", slug="elsewhere")
    return School.objects.create(
        trust=other_trust, name="Brookfield Primary", slug="brookfield", urn="100001"
    )


def _persona(school, email, first, last, *roles, mfa=False):
    user = make_user(email, first, last)
    add_member(user, school, *roles)
    if mfa:
        user.totp_secret = enrol_totp(user)  # kept on the object for tests that sign in
    return user


@pytest.fixture
def siro(school):
    return _persona(
        school, "hana.siro@ashmole.example.org", "Hana", "Siro", "siro", "staff", mfa=True
    )


@pytest.fixture
def dpo(school):
    return _persona(school, "dev.dpo@ashmole.example.org", "Dev", "Dpo", "dpo", "staff", mfa=True)


@pytest.fixture
def it_lead(school):
    return _persona(
        school, "ira.it@ashmole.example.org", "Ira", "Itlead", "it_lead", "staff", mfa=True
    )


@pytest.fixture
def office(school):
    return _persona(school, "olu.office@ashmole.example.org", "Olu", "Office", "office", "staff")


@pytest.fixture
def staff(school):
    return _persona(school, "sam.staff@ashmole.example.org", "Sam", "Staff", "staff")


@pytest.fixture
def governor(school):
    return _persona(school, "gina.gov@ashmole.example.org", "Gina", "Governor", "governor")


@pytest.fixture
def trust_admin(trust):
    user = make_user("tara.trust@harbour.example.org", "Tara", "Trust")
    TrustAdmin.objects.create(user=user, trust=trust)
    user.totp_secret = enrol_totp(user)
    return user


@pytest.fixture
def outsider(other_school):
    return _persona(
        other_school,
        "otto.out@brookfield.example.org",
        "Otto",
        "Outsider",
        "siro",
        "staff",
        mfa=True,
    )


@pytest.fixture
def client_for(db):
    """client_for(user) -> a Client signed in as that user (MFA already passed)."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@dataclasses.dataclass
class SentMail:
    mail_from: str
    rcpt_tos: list[str]
    data: str


class _Handler:
    def __init__(self):
        self.messages: list[SentMail] = []
        self.fail_next = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.fail_next:
                self.fail_next -= 1
                return "451 4.3.0 Try again later"
            self.messages.append(
                SentMail(envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode())
            )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1; Django sends to it. `.messages`, `.fail_next = n`."""
    handler = _Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    yield handler
    controller.stop()
