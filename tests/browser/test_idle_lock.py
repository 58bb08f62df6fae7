"""The idle lock in the browser: a warning, then an unlock dialog over the page, and whatever the
user typed is still there afterwards (policy T2; bastion/static/bastion/idle.js).

The page's clock is Playwright's fake one (`page.clock`), so minutes pass in an instant; the
server's view of the session is made stale by editing the session row (or, where a fresh TOTP
window is needed, by moving the server's clock with time_machine).
"""

from __future__ import annotations

import datetime as dt
import time

from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import expect

from bastion.accounts import idle
from bastion.accounts.models import Invitation
from bastion.core.models import AuditEvent
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, totp_code

TYPED = {
    "First name": "Ada",
    "Last name": "Lovelace",
    "Email": "ada.lovelace@ashmole.example.org",
    "Job title": "Data manager",
}


def session_of(page) -> SessionStore:
    (key,) = [c["value"] for c in page.context.cookies() if c["name"] == "sessionid"]
    return SessionStore(session_key=key)


def leave_idle(page, seconds: float) -> None:
    """The server last saw this browser `seconds` ago."""
    session = session_of(page)
    session[idle.LAST] = time.time() - seconds
    session.save()


def load(page, path: str) -> None:
    page.goto(path)
    page.axe()


def open_invite_form_and_type(page, school) -> None:
    load(page, f"/s/{school.slug}/members/invite/")
    for label, value in TYPED.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Governor").check()
    # The typing is some seconds old on the page's clock (typing just now keeps the warning
    # away), and what the page reported of it has reached the server, before a test tells the
    # server this browser went quiet long ago.
    page.clock.fast_forward(6_000)
    page.wait_for_load_state("networkidle")


def assert_still_typed(page) -> None:
    for label, value in TYPED.items():
        expect(page.get_by_label(label, exact=True)).to_have_value(value)
    expect(page.get_by_label("Governor")).to_be_checked()


def assert_nothing_typed_is_in_browser_storage(page, typed) -> None:
    # (htmx keeps the current path in sessionStorage; nothing the user typed may be there.)
    stored = page.evaluate(
        "() => [localStorage, sessionStorage].flatMap(s => Object.entries(s)).flat().join(' ')"
    )
    assert not [value for value in typed if value in stored]


def lock_dialog(page):
    return page.get_by_role("dialog", name="Your session is locked")


def warning_dialog(page):
    return page.get_by_role("dialog", name="Are you still there?")


def test_the_office_is_warned_then_locked_and_unlocks_with_everything_typed_still_there(
    page, office, school
):
    page.clock.install()
    sign_in(page, office)
    page.axe()
    open_invite_form_and_type(page, school)

    leave_idle(page, 9 * 60 + 20)
    page.clock.fast_forward("09:30")
    warning = warning_dialog(page)
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("You will be locked in")
    expect(warning.get_by_role("button", name="Stay signed in")).to_be_focused()
    page.axe()

    leave_idle(page, 11 * 60)
    page.clock.fast_forward("01:00")
    lock = lock_dialog(page)
    expect(lock).to_be_visible()
    expect(warning).to_be_hidden()
    expect(lock.get_by_label("Password")).to_be_focused()
    expect(lock.get_by_label("Authentication code")).to_be_hidden()  # no second factor
    page.axe()
    page.keyboard.press("Escape")
    expect(lock).to_be_visible()

    lock.get_by_label("Password").fill("not my password")
    lock.get_by_role("button", name="Unlock").click()
    expect(lock.get_by_role("alert")).to_contain_text("That password is not right.")
    expect(lock.get_by_label("Password")).to_be_focused()
    page.axe()
    lock.get_by_label("Password").fill(PASSWORD)
    lock.get_by_role("button", name="Unlock").click()
    expect(lock).to_be_hidden()

    assert_still_typed(page)
    assert_nothing_typed_is_in_browser_storage(page, [*TYPED.values(), PASSWORD])
    assert AuditEvent.objects.filter(action="auth.unlocked", actor=office).count() == 1
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_url(f"**/s/{school.slug}/members/")
    page.axe()
    invitation = Invitation.objects.get(email="ada.lovelace@ashmole.example.org")
    assert (invitation.first_name, invitation.last_name, invitation.job_title) == (
        "Ada",
        "Lovelace",
        "Data manager",
    )
    assert invitation.roles == ["governor"]


def test_someone_typing_a_long_form_for_twelve_minutes_is_not_locked(
    page, office, school, time_machine
):
    page.clock.install()
    sign_in(page, office)
    page.axe()
    load(page, f"/s/{school.slug}/members/invite/")
    pings, in_flight = [], set()
    page.on("response", lambda r: pings.append(r.status) if "/idle/ping/" in r.url else None)
    page.on("request", lambda r: in_flight.add(r))
    page.on("requestfinished", lambda r: in_flight.discard(r))
    page.on("requestfailed", lambda r: in_flight.discard(r))
    time_machine.move_to(dt.datetime.now(dt.UTC), tick=True)
    job_title = page.get_by_label("Job title", exact=True)
    for step in range(72):  # twelve minutes in ten-second steps, on both clocks
        if step % 3 == 0:
            job_title.press_sequentially("ab ")  # a few words every half minute
        time_machine.shift(dt.timedelta(seconds=10))
        page.clock.run_for("00:10")
        while in_flight:  # let the page hear back, as it would in real time
            page.wait_for_timeout(10)
    expect(job_title).to_have_value("ab " * 24)
    expect(warning_dialog(page)).to_be_hidden()
    expect(lock_dialog(page)).to_be_hidden()
    assert 10 <= len(pings) <= 13  # about once a minute, not at every key
    assert set(pings) == {200}
    assert time.time() - session_of(page)[idle.LAST] < 90


def test_staying_signed_in_from_the_warning_tells_the_server(page, office, school):
    page.clock.install()
    sign_in(page, office)
    page.axe()
    open_invite_form_and_type(page, school)
    leave_idle(page, 9 * 60 + 30)
    page.clock.fast_forward("09:30")
    warning = warning_dialog(page)
    expect(warning).to_be_visible()
    page.axe()

    with page.expect_response("**/accounts/idle/ping/") as ping:
        warning.get_by_role("button", name="Stay signed in").click()
    assert ping.value.json()["remaining"] >= 598
    expect(warning).to_be_hidden()
    assert time.time() - session_of(page)[idle.LAST] < 5
    expect(page.get_by_label("Governor")).to_be_focused()  # back where they were
    assert_still_typed(page)


def test_a_form_sent_after_the_lock_waits_for_the_password_and_is_then_sent(page, office, school):
    page.clock.install()
    sign_in(page, office)
    page.axe()
    open_invite_form_and_type(page, school)

    # The computer slept: the page's clock jumps 11 minutes without any of its timers running.
    now = page.evaluate("Date.now()") / 1000  # Playwright's Python clock counts in seconds
    page.clock.pause_at(now + 1)
    leave_idle(page, 11 * 60)
    page.clock.set_system_time(now + 11 * 60)

    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    page.get_by_role("button", name="Send invitation").click()
    lock = lock_dialog(page)
    expect(lock).to_be_visible()
    page.clock.resume()
    page.axe()
    assert not any("/members/invite/" in url for url in sent)
    assert not Invitation.objects.exists()

    lock.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation(url=f"**/s/{school.slug}/members/"):
        lock.get_by_role("button", name="Unlock").click()
    page.axe()
    invitation = Invitation.objects.get(email="ada.lovelace@ashmole.example.org")
    assert (invitation.first_name, invitation.roles) == ("Ada", ["governor"])


def test_the_siro_unlocks_the_settings_page_with_password_and_code(
    page, siro, school, time_machine
):
    page.clock.install()
    sign_in(page, siro)
    page.axe()
    load(page, f"/s/{school.slug}/settings/")
    page.get_by_label("Name", exact=True).fill("Ashmole Primary School")
    page.get_by_label("Who reviewed the policy").fill("Keith Bridges")
    page.get_by_label("Idle lock (minutes)").fill("15")

    # Eleven minutes pass on both sides; the authenticator shows a new code by then.
    time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=11), tick=True)
    page.clock.fast_forward("11:00")
    lock = lock_dialog(page)
    expect(lock).to_be_visible()
    code = lock.get_by_label("Authentication code")
    expect(code).to_be_visible()
    page.axe()

    lock.get_by_label("Password").fill(PASSWORD)
    lock.get_by_role("button", name="Unlock").click()
    expect(lock.get_by_role("alert")).to_contain_text("Enter the code")
    expect(code).to_be_focused()
    page.axe()
    code.fill(totp_code(siro.totp_secret))
    lock.get_by_role("button", name="Unlock").click()
    expect(lock).to_be_hidden()

    expect(page.get_by_label("Name", exact=True)).to_have_value("Ashmole Primary School")
    expect(page.get_by_label("Who reviewed the policy")).to_have_value("Keith Bridges")
    expect(page.get_by_label("Idle lock (minutes)")).to_have_value("15")
    assert_nothing_typed_is_in_browser_storage(page, ["Keith Bridges", PASSWORD])
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_load_state()
    page.axe()
    school.refresh_from_db()
    assert (school.name, school.reviewed_by, school.idle_lock_minutes) == (
        "Ashmole Primary School",
        "Keith Bridges",
        15,
    )


def test_five_wrong_passwords_sign_the_user_out_and_send_them_to_sign_in(page, office, school):
    page.clock.install()
    sign_in(page, office)
    page.axe()
    open_invite_form_and_type(page, school)
    leave_idle(page, 11 * 60)
    page.clock.fast_forward("11:00")
    lock = lock_dialog(page)
    expect(lock).to_be_visible()

    for attempt in range(1, 5):
        lock.get_by_label("Password").fill(f"guess {attempt}")
        lock.get_by_role("button", name="Unlock").click()
        expect(lock.get_by_role("alert")).to_contain_text("That password is not right.")
        expect(lock.get_by_label("Password")).to_have_value("")
    lock.get_by_label("Password").fill("guess 5")
    lock.get_by_role("button", name="Unlock").click()
    expect(lock.get_by_role("alert")).to_contain_text("Too many wrong tries")
    sign_in_again = lock.get_by_role("link", name="Sign in again")
    expect(sign_in_again).to_be_focused()
    page.axe()

    sign_in_again.click()
    page.wait_for_url("**/accounts/login/?next=*")
    page.axe()
    assert page.url.endswith(f"?next=%2Fs%2F{school.slug}%2Fmembers%2Finvite%2F")


def test_a_page_left_alone_while_another_tab_is_busy_shows_no_warning(page, office, school):
    page.clock.install()
    sign_in(page, office)
    page.axe()
    # Nine and a half minutes pass in this page; the server saw activity (another tab) just now.
    with page.expect_response("**/accounts/idle/status/") as status:
        page.clock.fast_forward("09:30")
    assert status.value.json()["remaining"] > 590
    expect(warning_dialog(page)).to_be_hidden()
    expect(lock_dialog(page)).to_be_hidden()


def test_behind_the_lock_the_pages_content_is_out_of_the_document_until_unlocked(
    page, office, school
):
    page.clock.install()
    sign_in(page, office)
    page.axe()
    open_invite_form_and_type(page, school)
    page.get_by_label("Job title", exact=True).focus()

    leave_idle(page, 11 * 60)
    page.clock.fast_forward("01:00")
    lock = lock_dialog(page)
    expect(lock).to_be_visible()
    page.axe()

    assert page.evaluate("document.querySelector('main').childElementCount") == 0
    html = page.content()
    assert not [value for value in TYPED.values() if value in html]
    assert page.evaluate("document.querySelectorAll('input[name=first_name]').length") == 0
    assert "Invite" not in page.evaluate("document.querySelector('main').textContent")
    assert_nothing_typed_is_in_browser_storage(page, TYPED.values())

    lock.get_by_label("Password").fill(PASSWORD)
    lock.get_by_role("button", name="Unlock").click()
    expect(lock).to_be_hidden()
    assert_still_typed(page)
    expect(page.get_by_label("Job title", exact=True)).to_be_focused()
    assert_nothing_typed_is_in_browser_storage(page, [*TYPED.values(), PASSWORD])


def one_minute_school(page, office, school):
    school.idle_lock_minutes = 1
    school.save(update_fields=["idle_lock_minutes"])
    page.clock.install()
    sign_in(page, office)
    page.axe()
    load(page, f"/s/{school.slug}/members/invite/")
    page.get_by_label("First name", exact=True).fill("Ada")


def test_at_one_minute_the_warning_stays_closed_once_dismissed(page, office, school):
    one_minute_school(page, office, school)
    leave_idle(page, 35)
    page.clock.fast_forward("00:35")
    warning = warning_dialog(page)
    expect(warning).to_be_visible()
    page.axe()

    with page.expect_response("**/accounts/idle/ping/"):
        warning.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()
    for _ in range(5):  # the next few seconds: no warning again straight away
        page.clock.run_for(2000)
        expect(warning).to_be_hidden()
    expect(page.get_by_label("First name", exact=True)).to_be_focused()


def test_at_one_minute_typing_goes_into_the_field_not_the_warning(page, office, school):
    one_minute_school(page, office, school)
    field = page.get_by_label("First name", exact=True)
    field.focus()
    leave_idle(page, 35)
    page.clock.fast_forward("00:35")
    warning = warning_dialog(page)
    expect(warning).to_be_visible()

    page.keyboard.type("nna")

    expect(warning).to_be_hidden()
    expect(field).to_be_focused()
    expect(field).to_have_value("Adanna")

    # Someone typing steadily is never interrupted by the warning.
    for letter in "-Lovelace":
        page.keyboard.type(letter)
        page.clock.run_for(4000)
        expect(warning).to_be_hidden()
    expect(field).to_have_value("Adanna-Lovelace")
