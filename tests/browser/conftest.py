"""Browser tests: the system Chromium driven by Playwright, against Django's live server.

Every page a test loads must pass an axe-core accessibility check: call `page.axe()` after each
navigation; the `page` fixture fails the test if any loaded page went unchecked, or if the
browser reported a Content Security Policy violation.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import PASSWORD, totp_code

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# alongside it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = (Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js").read_text()
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is needed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def _axe_check(page) -> None:
    page.evaluate(AXE + "\n;0")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"][:3])
        for v in result["violations"]
    ]
    assert not problems, f"accessibility violations on {page.url}:\n" + "\n".join(problems)


@pytest.fixture
def new_page(browser, live_server):
    """new_page() -> a Page in a fresh browser context (its own cookies), axe-checked."""
    contexts = []
    pages = []

    def make():
        context = browser.new_context(base_url=live_server.url)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.loaded, page.checked, page.csp_errors = [], set(), []
        page.on("load", lambda p: p.loaded.append(p.url))
        page.on(
            "console",
            lambda msg, p=page: (
                p.csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None
            ),
        )

        def axe(p=page):
            _axe_check(p)
            p.checked.add(p.url)

        page.axe = axe
        contexts.append(context)
        pages.append(page)
        return page

    yield make
    for context in contexts:
        context.close()
    for page in pages:
        unchecked = sorted({url for url in page.loaded if url not in page.checked})
        assert not unchecked, f"pages loaded without an accessibility check: {unchecked}"
        assert not page.csp_errors, f"Content Security Policy violations: {page.csp_errors}"


@pytest.fixture
def page(new_page):
    return new_page()


def sign_in(page, user, password: str = PASSWORD) -> None:
    """Sign in through the real form (and the TOTP step when the user has one)."""
    page.goto("/accounts/login/")
    page.axe()
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_load_state()
    secret = getattr(user, "totp_secret", None)
    if secret:
        page.axe()
        page.get_by_label("Authenticator code").fill(totp_code(secret))
        page.get_by_role("button", name="Sign In", exact=True).click()
        page.wait_for_load_state()
