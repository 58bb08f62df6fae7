"""The idle lock (policy T2): a session left alone for the school's setting is refused until the
user gives their password (and code) again, and nothing they were sending is lost."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.test import Client

from bastion.accounts import idle
from bastion.core import audit
from bastion.core.models import AuditEvent
from tests.conftest import PASSWORD, totp_code

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}
HTMX = {"HTTP_HX_REQUEST": "true"}
UNLOCK = "/accounts/unlock/"
STATUS = "/accounts/idle/status/"
PING = "/accounts/idle/ping/"
SETTINGS_FORM = {
    "name": "Ashmole Primary School",
    "urn": "100000",
    "policy_review_date": "2025-09-01",
    "next_review_date": "2026-09-01",
    "reviewed_by": "Keith Bridges\r\nand the governors",
    "idle_lock_minutes": "15",
    "password_max_age_days": "",
}


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def signed_in_at_school(client_for, user, school) -> Client:
    """A client whose session has seen a page of `school` (which sets the school's limit)."""
    client = client_for(user)
    assert client.get(f"/s/{school.slug}/").status_code == 200
    return client


def locked_client(client_for, clock, user, school) -> Client:
    client = signed_in_at_school(client_for, user, school)
    clock.shift(minutes(11))
    assert client.get(STATUS).json()["locked"] is True
    return client


class _Forms(HTMLParser):
    """Each <form> on a page: its action and its (name, value) fields, in order."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "fields": []})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"].append((attrs["name"], attrs.get("value") or ""))


def forms_on(response) -> list[dict]:
    parser = _Forms()
    parser.feed(response.content.decode())
    return parser.forms


def as_post_data(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


def unlock_json(client, **data):
    return client.post(UNLOCK, data, **FETCH)


# Refusing a stale session


def test_a_page_asked_for_after_the_idle_limit_is_sent_to_the_unlock_page(
    client_for, clock, office, school
):
    client = signed_in_at_school(client_for, office, school)
    clock.shift(minutes(11))
    response = client.get(f"/s/{school.slug}/members/?q=smith")
    assert response.status_code == 302
    assert response.url == "/accounts/unlock/?next=%2Fs%2Fashmole%2Fmembers%2F%3Fq%3Dsmith"
    page = client.get(response.url)
    assert page.status_code == 200
    assert b"Your session is locked" in page.content
    # The unlock page does not offer a code to a user without a second factor.
    assert b'name="code"' not in page.content


@pytest.mark.parametrize("headers", [FETCH, HTMX], ids=["fetch", "htmx"])
def test_a_script_request_from_a_locked_session_gets_401_json(
    client_for, clock, office, school, headers
):
    client = locked_client(client_for, clock, office, school)
    response = client.get(f"/s/{school.slug}/members/", **headers)
    assert response.status_code == 401
    assert response.json() == {"locked": True, "unlock_url": UNLOCK}


def test_a_form_sent_from_a_locked_session_changes_nothing_and_comes_back_with_what_was_typed(
    client_for, clock, siro, school
):
    client = locked_client(client_for, clock, siro, school)
    response = client.post(f"/s/{school.slug}/settings/", SETTINGS_FORM)
    assert response.status_code == 401
    school.refresh_from_db()
    assert (school.name, school.idle_lock_minutes) == ("Ashmole Primary", 10)
    assert not AuditEvent.objects.filter(action="school.settings_changed").exists()
    (unlock_form,) = [f for f in forms_on(response) if f["action"] == UNLOCK]
    kept = {name: value for name, value in unlock_form["fields"] if name.startswith("_replay__")}
    assert kept == {
        "_replay__path": "/s/ashmole/settings/",
        **{f"_replay__f_{name}": value for name, value in SETTINGS_FORM.items()},
    }
    # The SIRO has an authenticator: the page asks for a code too.
    assert b'name="code"' in response.content


def test_a_form_without_its_csrf_token_is_refused_rather_than_kept(client_for, clock, siro, school):
    client = locked_client(client_for, clock, siro, school)
    client.handler.enforce_csrf_checks = True
    response = client.post(f"/s/{school.slug}/settings/", SETTINGS_FORM)
    assert response.status_code == 403
    assert b"_replay__" not in response.content


def test_signing_out_still_works_from_a_locked_session(client_for, clock, office, school):
    client = locked_client(client_for, clock, office, school)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get(STATUS).status_code == 403


# How long: the school's setting


@pytest.mark.parametrize(
    ("setting", "idle_minutes", "locked"),
    [(3, 2.9, False), (3, 3.1, True), (10, 3.1, False), (10, 9.9, False), (10, 10.1, True)],
)
def test_the_schools_own_idle_setting_decides_when_the_lock_comes(
    client_for, clock, office, school, setting, idle_minutes, locked
):
    school.idle_lock_minutes = setting
    school.save()
    client = signed_in_at_school(client_for, office, school)
    assert client.get(STATUS).json()["limit"] == setting * 60
    clock.shift(minutes(idle_minutes))
    response = client.get(f"/s/{school.slug}/")
    assert response.status_code == (302 if locked else 200)


def test_before_any_school_page_the_strictest_of_the_users_schools_applies(
    client_for, clock, office, school
):
    school.idle_lock_minutes = 3
    school.save()
    client = client_for(office)
    assert client.get(STATUS).json() == {
        "locked": False,
        "remaining": 180,
        "limit": 180,
        "needs_code": False,
    }
    clock.shift(minutes(4))
    assert client.get("/tasks/").status_code == 302


def test_a_school_page_does_not_rewrite_the_session_when_nothing_changed(
    client_for, clock, office, school
):
    client = signed_in_at_school(client_for, office, school)
    clock.shift(dt.timedelta(seconds=5))  # too soon to record the activity again
    response = client.get(f"/s/{school.slug}/")
    assert response.status_code == 200
    assert not response.wsgi_request.session.modified


# What counts as activity


def test_a_ping_counts_as_activity_but_the_status_check_does_not(client_for, clock, office, school):
    client = signed_in_at_school(client_for, office, school)
    clock.shift(minutes(6))
    assert client.get(STATUS).json()["remaining"] == 4 * 60
    clock.shift(minutes(3))
    assert client.get(STATUS).json()["remaining"] == 60
    response = client.post(PING, {"idle_for": "0"}, **FETCH)
    assert response.json() == {"locked": False, "remaining": 600, "limit": 600}
    clock.shift(minutes(9))
    assert client.get(f"/s/{school.slug}/").status_code == 200  # 9 minutes after the ping


def test_a_ping_reports_activity_at_most_a_minute_old(client_for, clock, office, school):
    client = signed_in_at_school(client_for, office, school)
    clock.shift(minutes(5))
    response = client.post(PING, {"idle_for": "45"}, **FETCH)
    assert response.json()["remaining"] == 600 - 45
    clock.shift(minutes(2))
    response = client.post(PING, {"idle_for": "3600"}, **FETCH)  # claims too much: a minute
    assert response.json()["remaining"] == 600 - 60


@pytest.mark.parametrize("idle_for", ["", "soon", "nan", "-inf", "1e999", "9" * 10_000])
def test_a_ping_with_a_nonsense_idle_time_counts_as_activity_now(
    client_for, clock, office, school, idle_for
):
    client = signed_in_at_school(client_for, office, school)
    clock.shift(minutes(5))
    response = client.post(PING, {"idle_for": idle_for}, **FETCH)
    assert response.status_code == 200
    assert response.json()["remaining"] in (540, 600)


def test_a_ping_cannot_wake_a_session_that_is_already_locked(client_for, clock, office, school):
    client = locked_client(client_for, clock, office, school)
    response = client.post(PING, {"idle_for": "0"}, **FETCH)
    assert response.status_code == 401
    assert response.json()["locked"] is True
    assert client.get(f"/s/{school.slug}/").status_code == 302


def test_a_locked_session_stays_locked_even_if_the_school_then_allows_longer(
    client_for, clock, office, school
):
    client = locked_client(client_for, clock, office, school)
    school.idle_lock_minutes = 60
    school.save()
    assert client.get(f"/s/{school.slug}/").status_code == 302


def test_the_status_says_whether_unlocking_needs_a_code(client_for, clock, office, siro, school):
    assert client_for(office).get(STATUS).json()["needs_code"] is False
    assert client_for(siro).get(STATUS).json()["needs_code"] is True


def test_idle_status_and_ping_answer_a_signed_out_browser_with_403_json(db):
    client = Client()
    assert client.get(STATUS).json()["signed_out"] is True
    assert client.get(STATUS).status_code == 403
    assert client.post(PING).status_code == 403
    assert client.get(PING).status_code == 405


# Unlocking


def test_the_right_password_unlocks_the_session_in_place(client_for, clock, office, school):
    client = locked_client(client_for, clock, office, school)
    response = unlock_json(client, password=PASSWORD)
    assert response.status_code == 200
    assert response.json() == {"ok": True, "locked": False, "remaining": 600, "limit": 600}
    assert client.get(f"/s/{school.slug}/members/").status_code == 200
    event = AuditEvent.objects.get(action="auth.unlocked")
    assert (event.actor, event.object_id) == (office, str(office.pk))


def test_a_wrong_password_says_so_keeps_the_lock_and_is_audited(client_for, clock, office, school):
    client = locked_client(client_for, clock, office, school)
    response = unlock_json(client, password="not-my-password")
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error": "That password is not right. Please try again.",
        "signed_out": False,
    }
    assert client.get(f"/s/{school.slug}/").status_code == 302
    event = AuditEvent.objects.get(action="auth.unlock_failed")
    assert (event.actor, event.changes) == (office, {"try": 1})


def test_a_user_with_an_authenticator_needs_a_current_code_as_well_as_the_password(
    client_for, clock, siro, school
):
    client = locked_client(client_for, clock, siro, school)
    refused = "The password or the authentication code is not right. Please try again."
    assert unlock_json(client, password=PASSWORD).json()["error"] == refused
    assert unlock_json(client, password=PASSWORD, code="000000").json()["error"] == refused
    code = totp_code(siro.totp_secret)
    assert unlock_json(client, password="wrong", code=code).json()["error"] == refused
    assert client.get(f"/s/{school.slug}/").status_code == 302
    assert unlock_json(client, password=PASSWORD, code=code).json()["ok"] is True
    assert client.get(f"/s/{school.slug}/").status_code == 200


def test_a_totp_code_unlocks_only_once(client_for, clock, siro, school):
    client = locked_client(client_for, clock, siro, school)
    code = totp_code(siro.totp_secret)
    assert unlock_json(client, password=PASSWORD, code=code).json()["ok"] is True
    # Locked again within the same 30-second window: the code just used is spent.
    session = client.session
    session[idle.LOCKED] = True
    session.save()
    response = unlock_json(client, password=PASSWORD, code=code)
    assert response.json()["ok"] is False


def test_a_recovery_code_unlocks_once_and_a_wrong_code_is_just_wrong(
    client_for, clock, siro, school
):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    recovery = RecoveryCodes.activate(siro)
    first = recovery.get_unused_codes()[0]
    client = locked_client(client_for, clock, siro, school)
    # A wrong code is checked against the recovery codes too, and refused.
    assert unlock_json(client, password=PASSWORD, code="12345678").status_code == 400
    assert unlock_json(client, password=PASSWORD, code=first).json()["ok"] is True
    session = client.session
    session[idle.LOCKED] = True
    session.save()
    assert unlock_json(client, password=PASSWORD, code=first).json()["ok"] is False


def test_five_wrong_tries_sign_the_user_out(client_for, clock, office, school):
    client = locked_client(client_for, clock, office, school)
    for _ in range(4):
        assert unlock_json(client, password="guess").json()["signed_out"] is False
    response = unlock_json(client, password="guess")
    assert response.status_code == 403
    assert response.json() == {
        "ok": False,
        "signed_out": True,
        "error": "Too many wrong tries: you have been signed out. Please sign in again.",
        "login_url": "/accounts/login/",
    }
    assert client.get(STATUS).status_code == 403
    assert client.get(f"/s/{school.slug}/").url.startswith("/accounts/login/")
    assert AuditEvent.objects.filter(action="auth.unlock_failed").count() == 5
    assert AuditEvent.objects.filter(action="auth.logout", actor=office).exists()


def test_the_unlock_page_signs_out_after_five_wrong_tries_and_says_why(
    client_for, clock, office, school
):
    client = locked_client(client_for, clock, office, school)
    for _ in range(4):
        assert client.post(UNLOCK, {"password": "guess"}).status_code == 400
    response = client.post(UNLOCK, {"password": "guess"}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert b"Too many wrong tries: you have been signed out." in response.content


def test_tries_made_in_parallel_count_too_even_with_the_right_password_last(
    client_for, clock, office, school
):
    # Parallel requests each load the session before the others save it; the count is kept in
    # the audit log under a lock instead, so a sixth guess racing the fifth is still refused.
    client = locked_client(client_for, clock, office, school)
    for n in range(1, 6):
        audit.record("auth.unlock_failed", actor=office, obj=office, changes={"try": n})
    response = unlock_json(client, password=PASSWORD)
    assert response.json()["signed_out"] is True
    assert client.get(STATUS).status_code == 403


def test_signing_in_again_starts_the_count_of_wrong_tries_afresh(client_for, clock, office, school):
    for n in range(1, 5):
        audit.record("auth.unlock_failed", actor=office, obj=office, changes={"try": n})
    client = locked_client(client_for, clock, office, school)  # a new sign-in
    assert unlock_json(client, password="guess").json()["signed_out"] is False


def test_the_form_kept_through_the_lock_is_sent_after_unlocking(client_for, clock, siro, school):
    client = locked_client(client_for, clock, siro, school)
    refused = client.post(f"/s/{school.slug}/settings/", SETTINGS_FORM)
    (unlock_form,) = [f for f in forms_on(refused) if f["action"] == UNLOCK]
    data = as_post_data(unlock_form["fields"])
    data["password"] = [PASSWORD]
    data["code"] = [totp_code(siro.totp_secret)]
    unlocked = client.post(UNLOCK, data)
    assert unlocked.status_code == 200
    assert b"Send what I typed" in unlocked.content
    school.refresh_from_db()
    assert school.name == "Ashmole Primary"  # nothing is sent without the user's say-so
    (replay,) = [f for f in forms_on(unlocked) if f["action"] == "/s/ashmole/settings/"]
    sent = client.post(replay["action"], as_post_data(replay["fields"]))
    assert sent.status_code == 302
    school.refresh_from_db()
    assert (school.name, school.idle_lock_minutes) == ("Ashmole Primary School", 15)
    assert school.reviewed_by == "Keith Bridges\r\nand the governors"


def test_a_wrong_password_on_the_unlock_page_keeps_the_form_being_sent(
    client_for, clock, office, school
):
    client = locked_client(client_for, clock, office, school)
    data = {"password": "guess", "_replay__path": "/s/ashmole/members/invite/"}
    data["_replay__f_first_name"] = "Ada"
    response = client.post(UNLOCK, data)
    assert response.status_code == 400
    assert b"That password is not right." in response.content
    (form,) = [f for f in forms_on(response) if f["action"] == UNLOCK]
    assert ("_replay__f_first_name", "Ada") in form["fields"]
    assert ("_replay__path", "/s/ashmole/members/invite/") in form["fields"]


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "x" * 10_000,
    ],
)
def test_unlocking_never_sends_the_user_off_site(client_for, clock, office, school, next_url):
    client = locked_client(client_for, clock, office, school)
    page = client.get(UNLOCK, {"next": next_url})
    assert page.status_code == 200
    assert b"evil.example" not in page.content
    response = client.post(UNLOCK, {"password": PASSWORD, "next": next_url})
    assert response.status_code == 302
    assert response.url == "/"


def test_a_replayed_form_is_only_ever_sent_to_this_site(client_for, clock, office, school):
    client = locked_client(client_for, clock, office, school)
    data = {"password": PASSWORD, "_replay__path": "https://evil.example/steal"}
    data["_replay__f_first_name"] = "Ada"
    response = client.post(UNLOCK, data)
    assert response.status_code == 200
    assert [f["action"] for f in forms_on(response) if "evil" in (f["action"] or "")] == []


def test_unlocking_goes_back_to_the_page_asked_for(client_for, clock, office, school):
    client = locked_client(client_for, clock, office, school)
    response = client.post(UNLOCK, {"password": PASSWORD, "next": "/s/ashmole/members/"})
    assert (response.status_code, response.url) == (302, "/s/ashmole/members/")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Enter your password."),
        ({"password": ""}, "Enter your password."),
        ({"password": "p" * 10_000}, "That password is not right. Please try again."),
        (
            {"password": PASSWORD, "code": "1" * 10_000},
            "An authentication code is at most 64 characters.",
        ),
    ],
)
def test_bad_unlock_input_gets_a_message_and_is_not_counted_as_a_try(
    client_for, clock, office, school, data, message
):
    client = locked_client(client_for, clock, office, school)
    response = unlock_json(client, **data)
    assert (response.status_code, response.json()["error"]) == (400, message)
    page = client.post(UNLOCK, data)
    assert page.status_code == 400
    assert message.encode() in page.content
    assert not AuditEvent.objects.filter(action="auth.unlock_failed").exists()
    assert client.get(f"/s/{school.slug}/").status_code == 302


def test_a_non_ascii_code_is_just_wrong(client_for, clock, siro, school):
    client = locked_client(client_for, clock, siro, school)
    response = unlock_json(client, password=PASSWORD, code="١٢٣٤٥٦")
    assert response.status_code == 400
    assert response.json()["signed_out"] is False


def test_the_unlock_page_of_a_session_that_is_not_locked_goes_back(client_for, clock, office):
    client = client_for(office)
    response = client.get(UNLOCK, {"next": "/tasks/"})
    assert (response.status_code, response.url) == (302, "/tasks/")


def test_unlocking_without_a_session_sends_the_browser_to_sign_in(db):
    client = Client()
    assert client.get(UNLOCK).url == "/accounts/login/"
    response = client.post(UNLOCK, {"password": PASSWORD}, **FETCH)
    assert response.status_code == 403
    assert response.json()["signed_out"] is True


def test_a_page_polling_for_progress_does_not_keep_an_idle_session_alive(
    client_for, clock, office, school
):
    client = signed_in_at_school(client_for, office, school)
    for _ in range(12):  # a progress bar refreshing every minute for 12 minutes
        clock.shift(minutes(1))
        client.get(f"/s/{school.slug}/people/", HTTP_HX_REQUEST="true", HTTP_X_BASTION_POLL="1")
    response = client.get(f"/s/{school.slug}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/unlock/")


def test_the_same_requests_without_the_poll_mark_count_as_activity(
    client_for, clock, office, school
):
    client = signed_in_at_school(client_for, office, school)
    for _ in range(12):
        clock.shift(minutes(1))
        client.get(f"/s/{school.slug}/people/", HTTP_HX_REQUEST="true")
    assert client.get(f"/s/{school.slug}/").status_code == 200
