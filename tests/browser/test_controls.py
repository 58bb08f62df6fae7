"""The office follows the dashboard's most urgent action, records the termly shredding check
(T16), and sees the dashboard update; the trust admin reads the trust's matrix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bastion.controls import registry
from bastion.controls.models import Attestation
from tests.browser.conftest import sign_in

# The registers this journey was built against: the others' evaluators (tested in their own
# apps) could put their own overdue actions first and make the journey depend on them.
OWN = {
    "bastion.core.controls",
    "bastion.people.controls",
    "bastion.equipment.controls",
    "bastion.incidents.controls",
}


@pytest.fixture
def own_evaluators(monkeypatch):
    kept = {
        c: [p for p in parts if p.func.__module__ in OWN] for c, parts in registry.COMPUTED.items()
    }
    monkeypatch.setattr(registry, "COMPUTED", kept)


def _go(page, action) -> None:
    action()
    page.wait_for_load_state()
    page.axe()


def test_an_urgent_action_leads_to_the_check_and_the_dashboard_updates(
    page, new_page, office, trust_admin, school, own_evaluators
):
    Attestation.objects.create(
        school=school,
        code="T16",
        attested_on=timezone.localdate() - dt.timedelta(days=200),
        attested_by=office,
        note="Shredders checked last year.",
    )
    sign_in(page, office)
    page.axe()
    _go(page, lambda: page.goto(f"/s/{school.slug}/controls/"))
    row = page.locator("#control-T16")
    assert "Overdue" in row.inner_text()
    urgent = page.get_by_role(
        "link", name="T16 check overdue: paper is shredded with a cross-cut shredder"
    )
    _go(page, urgent.click)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Record a check")

    # An empty note is refused, with the date kept.
    _go(page, lambda: page.get_by_role("button", name="Record the check").click())
    assert page.get_by_text("Say what was checked and what you found.").first.is_visible()
    page.get_by_label("What was checked, and what you found").fill(
        "Both office shredders are cross-cut; the confidential waste bin was emptied."
    )
    _go(page, lambda: page.get_by_role("button", name="Record the check").click())
    assert page.get_by_text("The check of T16 is recorded.").is_visible()
    assert "Met" in page.locator("#control-status").inner_text()
    assert "confidential waste bin" in page.locator("#attestations").inner_text()

    _go(page, lambda: page.get_by_role("link", name="All controls").click())
    assert "Met" in page.locator("#control-T16").inner_text()
    assert page.get_by_role("link", name="T16 check overdue").count() == 0

    # The trust admin sees the school among the trust's schools.
    admin = new_page()
    sign_in(admin, trust_admin)
    admin.axe()
    _go(admin, lambda: admin.goto(f"/trust/{school.trust.slug}/controls/"))
    matrix = admin.locator("#trust-matrix")
    assert "Ashmole Primary" in matrix.inner_text()
    assert admin.locator("#trust-gaps").is_visible()
