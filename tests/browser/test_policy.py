"""The SIRO reads the school's policy, rewords a statement, starts the annual review, signs it
off, and compares the new version with last year's."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from bastion.policy.models import PolicyVersion, Statement
from bastion.policy.services import policy_for, review_sign_off, review_start
from tests.browser.conftest import sign_in


def _go(page, action) -> None:
    action()
    page.wait_for_load_state()
    page.axe()


def test_the_siro_edits_reviews_signs_off_and_compares_the_policy(page, siro, dpo, school):
    policy = policy_for(school)
    review_start(actor=dpo, school=school, policy=policy)
    last_year = review_sign_off(actor=siro, school=school, policy=policy, confirm_name="Hana Siro")
    shredding = Statement.objects.get(policy=policy, code="T16")

    sign_in(page, siro)
    page.axe()
    _go(page, lambda: page.goto(f"/s/{school.slug}/"))
    _go(page, lambda: page.get_by_role("link", name="Policy", exact=True).click())
    main = page.locator("main")
    assert "The Head Teacher, Hana Siro, is the Senior Information Risk Owner" in main.inner_text()

    # Reword a statement; an unknown fact is refused first, with the typing kept.
    _go(
        page,
        lambda: page.locator(f"#statement-{shredding.pk}").get_by_role("link", name="Edit").click(),
    )
    page.get_by_label("Wording").fill("Paper is shredded in a P-4 shredder at {{ school }}.")
    _go(page, lambda: page.get_by_role("button", name="Save the statement").click())
    assert page.get_by_text("Unknown live fact: {{ school }}").first.is_visible()
    assert page.get_by_label("Wording").input_value().endswith("at {{ school }}.")
    page.get_by_label("Wording").fill("Paper is shredded in a P-4 shredder at {{ school_name }}.")
    _go(page, lambda: page.get_by_role("button", name="Save the statement").click())
    assert page.get_by_text("The statement is saved.").is_visible()
    assert page.get_by_text("Paper is shredded in a P-4 shredder at Ashmole Primary.").is_visible()

    # The annual review: start, then sign off by typing the SIRO's name.
    _go(page, lambda: page.get_by_role("button", name="Start the annual review").click())
    assert "Under review" in page.locator("#review-status").inner_text()
    _go(page, lambda: page.get_by_role("link", name="Sign off the review").click())
    page.get_by_label("Type your full name to sign off the review").fill("Hana Siro")
    _go(page, lambda: page.get_by_role("button", name="Sign off the review").click())
    assert page.get_by_text("The review is signed off: version 2 is archived.").is_visible()
    current = PolicyVersion.objects.get(number=2)
    assert current.review_date == timezone.localdate()
    school.refresh_from_db()
    assert school.next_review_date > timezone.localdate() + dt.timedelta(days=360)

    # Compare last year's version with the new one.
    _go(page, lambda: page.get_by_role("link", name="Earlier versions and what changed").click())
    page.get_by_label("Compare").select_option(str(last_year.pk))
    page.get_by_label("with").select_option(str(current.pk))
    _go(page, lambda: page.get_by_role("button", name="Compare").click())
    comparison = page.locator("main").inner_text()
    assert "1 statement changed." in comparison
    assert page.locator("del").first.inner_text().startswith("[removed: ")
    assert "P-4" in " ".join(page.locator("ins").all_inner_texts())
