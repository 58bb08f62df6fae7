"""Two-factor authentication (policy T4): TOTP, recovery codes and passkeys, required for the
SIRO, DPO, IT lead and trust admins before they reach any school page."""

from __future__ import annotations

import re
import time

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import Client

from bastion.core.models import AuditEvent
from tests import tenancy
from tests.accounts.conftest import confirm_password, sign_in
from tests.conftest import PASSWORD, make_user, totp_code

SCHOOL_PAGES = tenancy.school_routes()
# Every page of Bastion but the account pages (signing in and out, setting up MFA) and the
# public signing links, which need no account.
GUARDED_PAGES = [
    r for r in tenancy.routes() if not r.url("ashmole").startswith(("/accounts/", "/sign/"))
]


def _drop_mfa(user):
    Authenticator.objects.filter(user=user).delete()
    user.totp_secret = None
    return user


def _secret_on(page: str) -> str:
    match = re.search(r'id="totp-secret">\s*([A-Z2-7]+)\s*<', page)
    assert match, "the setup key is not shown on the page"
    return match.group(1)


def _activate_totp(client) -> str:
    confirm_password(client)
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = _secret_on(page.content.decode())
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()[:3000]
    return secret


@pytest.mark.parametrize("persona", ["siro", "dpo", "it_lead", "trust_admin"])
def test_a_privileged_role_is_sent_to_set_up_mfa_from_every_school_page_until_it_has(
    request, persona, school
):
    user = _drop_mfa(request.getfixturevalue(persona))
    client = sign_in(user)
    for route in SCHOOL_PAGES:
        response = client.get(route.url(school.slug))
        if response.status_code == 405:  # a page that only takes a form
            response = client.post(route.url(school.slug))
        assert response.status_code == 302, route.label
        assert response.url == "/accounts/2fa/", route.label
    index = client.get("/accounts/2fa/").content.decode()
    assert "needs two-factor authentication" in index
    assert "Set up an authenticator app" in index

    _activate_totp(client)
    assert client.get(f"/s/{school.slug}/").status_code == 200


@pytest.fixture
def incident_due(school, staff):
    """A report the SIRO must triage: /tasks/ names it, with its ICO deadline."""
    from tests.incidents.conftest import make_incident

    return make_incident(school, staff)


@pytest.mark.parametrize("persona", ["siro", "trust_admin", "operator"])
def test_my_tasks_before_mfa_every_page_sends_a_privileged_account_to_set_it_up(
    request, persona, school, trust, incident_due
):
    """Issue 15, fault 5: /tasks/ listed incident deadlines to a SIRO who had not enrolled.
    The rule is now one middleware, so every URL of the project is walked, not each view."""
    if persona == "operator":
        user = make_user("opal.ops@harbour.example.org", "Opal", "Ops")
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
    else:
        user = _drop_mfa(request.getfixturevalue(persona))
    client = sign_in(user)
    answered = []
    for route in GUARDED_PAGES:
        url = route.url(school.slug).replace(tenancy.ROW_SLUG, trust.slug)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if response.status_code != 302 or response.url != "/accounts/2fa/":
                answered.append(f"{method.upper()} {url} -> {response.status_code}")
    assert not answered, "answered before MFA was set up:\n" + "\n".join(answered)
    assert incident_due.reference not in client.get("/tasks/", follow=True).content.decode()

    _activate_totp(client)
    page = client.get("/tasks/")
    assert page.status_code == 200
    if persona == "siro":
        assert f"Triage {incident_due.reference}" in page.content.decode()


@pytest.mark.parametrize("persona", ["staff", "office", "governor"])
def test_other_roles_are_not_forced_to_set_up_mfa(request, persona, school):
    client = sign_in(request.getfixturevalue(persona))
    assert client.get(f"/s/{school.slug}/").status_code == 200
    assert client.get("/tasks/").status_code == 200


def test_activating_totp_needs_the_code_from_the_app(siro):
    client = sign_in(siro)
    _drop_mfa(siro)
    confirm_password(client)
    page = client.get("/accounts/2fa/totp/activate/").content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    secret = _secret_on(page)
    wrong = client.post("/accounts/2fa/totp/activate/", {"code": "123456"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert not Authenticator.objects.filter(user=siro).exists()
    # The same secret stays on the page after a wrong code, so the app still matches.
    assert _secret_on(wrong.content.decode()) == secret


def test_activating_totp_is_audited_and_shows_the_recovery_codes(
    siro, django_capture_on_commit_callbacks
):
    client = sign_in(siro)
    _drop_mfa(siro)
    # allauth announces the new authenticator once the transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        response_secret = _activate_totp(client)
    assert Authenticator.objects.filter(user=siro, type="totp").exists()
    added = AuditEvent.objects.filter(action="mfa.added", actor=siro)
    assert {e.changes["type"] for e in added} >= {"totp"}
    codes_page = client.get("/accounts/2fa/recovery-codes/").content.decode()
    codes = RecoveryCodes(
        Authenticator.objects.get(user=siro, type="recovery_codes")
    ).get_unused_codes()
    assert len(codes) == 10
    assert all(code in codes_page for code in codes)
    assert response_secret not in codes_page


def test_bad_codes_at_activation_get_a_message_and_never_a_500(siro):
    client = sign_in(siro)
    _drop_mfa(siro)
    confirm_password(client)
    client.get("/accounts/2fa/totp/activate/")
    for code in ("", "abc", "1" * 5000, "<script>", "\x00"):
        response = client.post("/accounts/2fa/totp/activate/", {"code": code})
        assert response.status_code == 200, code
        assert "There is a problem" in response.content.decode()
    assert not Authenticator.objects.filter(user=siro).exists()


def test_a_recovery_code_signs_in_once(siro):
    RecoveryCodes.activate(siro)
    code = RecoveryCodes(
        Authenticator.objects.get(user=siro, type="recovery_codes")
    ).get_unused_codes()[0]

    first = Client()
    step = first.post("/accounts/login/", {"login": siro.email, "password": PASSWORD})
    assert first.post(step.url, {"code": code}).status_code == 302
    assert first.session["_auth_user_id"] == str(siro.pk)

    again = Client()
    step = again.post("/accounts/login/", {"login": siro.email, "password": PASSWORD})
    response = again.post(step.url, {"code": code})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert "_auth_user_id" not in again.session


def test_the_two_factor_pages_render_in_the_bastion_layout(siro):
    RecoveryCodes.activate(siro)
    client = sign_in(siro)
    confirm_password(client)
    for url in (
        "/accounts/2fa/",
        "/accounts/2fa/recovery-codes/",
        "/accounts/2fa/recovery-codes/generate/",
        "/accounts/2fa/totp/deactivate/",
        "/accounts/2fa/webauthn/",
        "/accounts/2fa/webauthn/add/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert "bastion-header" in page, url
        assert 'class="govuk-heading-l"' in page, url
    download = client.get("/accounts/2fa/recovery-codes/download/")
    assert download["Content-Disposition"] == 'attachment; filename="recovery-codes.txt"'


def test_changing_mfa_asks_for_the_password_again_even_just_after_signing_in(siro):
    client = sign_in(siro)
    response = client.get("/accounts/2fa/totp/deactivate/")
    assert response.url.startswith("/accounts/reauthenticate/")


def test_changing_mfa_after_a_while_asks_for_the_password_again(siro):
    client = sign_in(siro)
    confirm_password(client)
    # Past the five-minute reauthentication window, short of the ten-minute idle lock.
    with time_machine.travel(time.time() + 360, tick=False):
        response = client.get("/accounts/2fa/totp/deactivate/")
        assert response.status_code == 302
        assert response.url.startswith("/accounts/reauthenticate/")
        page = client.get(response.url).content.decode()
        assert "Confirm it's you" in page
        wrong = client.post(response.url, {"password": "not-it"})
        assert wrong.status_code == 200
        assert Authenticator.objects.filter(user=siro, type="totp").exists()
        right = client.post(response.url, {"password": PASSWORD})
        assert right.status_code == 302
        assert client.get("/accounts/2fa/totp/deactivate/").status_code == 200


def test_turning_off_totp_is_audited(siro):
    client = sign_in(siro)
    confirm_password(client)
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=siro, type="totp").exists()
    assert AuditEvent.objects.filter(action="mfa.removed", actor=siro).exists()


HOSTILE_CREDENTIALS = [
    "",
    "not json",
    "{}",
    "[]",
    '{"response": {}}',
    '{"id": "x", "rawId": "x", "type": "public-key", "response": {"userHandle": "!!"}}',
    '{"response": {"userHandle": "' + "A" * 5000 + '"}}',
    "null",
]


@pytest.mark.parametrize("credential", HOSTILE_CREDENTIALS)
def test_hostile_passkey_payloads_are_refused_and_never_give_a_500(siro, credential):
    anonymous = Client()
    anonymous.get("/accounts/login/")
    response = anonymous.post("/accounts/2fa/webauthn/login/", {"credential": credential})
    assert response.status_code == 302
    assert "_auth_user_id" not in anonymous.session

    step = Client()
    url = step.post("/accounts/login/", {"login": siro.email, "password": PASSWORD}).url
    step.get(url)
    response = step.post(url, {"credential": credential})
    assert response.status_code == 200
    assert "_auth_user_id" not in step.session

    client = sign_in(siro)
    confirm_password(client)
    client.get("/accounts/2fa/webauthn/add/")
    for name in ("Laptop", "x" * 10_000):
        response = client.post(
            "/accounts/2fa/webauthn/add/", {"name": name, "credential": credential}
        )
        assert response.status_code == 200
        assert "There is a problem" in response.content.decode()
    assert not Authenticator.objects.filter(user=siro, type="webauthn").exists()


def test_someone_elses_or_a_missing_key_gives_404(siro, dpo):
    theirs = Authenticator.objects.create(
        user=dpo, type=Authenticator.Type.WEBAUTHN, data={"name": "Dev's key", "credential": {}}
    )
    client = sign_in(siro)
    confirm_password(client)
    for url in (
        f"/accounts/2fa/webauthn/keys/{theirs.pk}/edit/",
        f"/accounts/2fa/webauthn/keys/{theirs.pk}/remove/",
        "/accounts/2fa/webauthn/keys/999999999/edit/",
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "mine now"}).status_code == 404, url
    theirs.refresh_from_db()
    assert theirs.data["name"] == "Dev's key"
