"""Acceptable Use Agreements in a real browser: a member signs from My tasks, a parent signs
through a link in a fresh browser (on a phone-sized screen), and a paper sheet is ticked off."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from bastion.agreements import coverage, links
from bastion.agreements.models import AgreementVersion, PaperRecord, Signature
from bastion.people.models import Kind
from tests.agreements.helpers import add, agreements, build, parent_of, pupil
from tests.browser.conftest import sign_in


@pytest.fixture(autouse=True)
def _fresh_throttle(db):
    cache.clear()


def test_a_member_signs_their_agreement_from_my_tasks(page, school, staff):
    agreements(school)
    me = add(school, Kind.STAFF, "Sam", "Staff", user=staff)
    sign_in(page, staff)
    page.axe()
    page.goto("/tasks/")
    page.axe()
    page.get_by_role("link", name="Sign the Staff Acceptable Use Agreement").click()
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_role("heading", name="Staff Acceptable Use Agreement").is_visible()
    page.get_by_role("button", name="Sign the agreement").click()  # the tick is missing
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_text("Tick the box to say you have read").first.is_visible()
    page.get_by_label("Your full name").fill("Sam Staff")
    page.get_by_label("I have read this agreement and I agree to keep to it").check()
    page.get_by_role("button", name="Sign the agreement").click()
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_role("heading", name="You have signed").is_visible()
    signature = Signature.objects.get(person=me)
    assert signature.method == "online" and "Chrome" in signature.user_agent
    page.goto("/tasks/")
    page.axe()
    assert page.get_by_role("link", name="Sign the Staff Acceptable Use Agreement").count() == 0


def test_a_parent_signs_for_themselves_and_their_child_through_a_link(new_page, school):
    agreements(school)
    child = pupil(school, "4", "4B", "Juniper", "Quillfeather")
    parent = parent_of(school, child, first="Marigold")
    annotated = coverage.people([school]).get(pk=parent.pk)
    [(_, url, _)] = links.links_for_letters(actor=None, school=school, persons=[annotated])
    path = "/" + url.split("/", 3)[3]

    phone = new_page()  # a fresh browser context: no session, no cookies
    phone.set_viewport_size({"width": 375, "height": 740})
    phone.goto(path)
    phone.axe()
    assert phone.get_by_role("heading", name="Hello Marigold").is_visible()
    assert phone.get_by_text("Quillfeather").count() == 0
    phone.get_by_text("Read the Pupils' Acceptable Use Agreement").click()
    phone.get_by_label("I sign the Pupils' Acceptable Use Agreement for my child in Year 4").check()
    phone.get_by_label("Your full name").fill("Marigold Quillfeather")
    phone.get_by_label("I have read this agreement and I agree to keep to it").check()
    phone.get_by_role("button", name="Sign").click()
    phone.wait_for_load_state()
    phone.axe()
    assert phone.get_by_role("heading", name="Thank you").is_visible()
    assert Signature.objects.get(person=parent).method == "link"
    assert Signature.objects.get(person=child).signed_by == parent

    phone.goto(path)  # the link works once
    phone.axe()
    assert phone.get_by_role("heading", name="This link has been used").is_visible()


def test_office_ticks_a_paper_sheet_in_bulk(page, school, office, tmp_path):
    data = build(school)
    sign_in(page, office)
    page.axe()
    page.goto("/s/ashmole/agreements/")
    page.axe()
    assert page.get_by_text("11 of 22 people have signed").is_visible()
    page.get_by_role("link", name="Paper sheets").click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_label("Who").select_option("pupil_older")
    page.get_by_label("Class").select_option("3A")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    page.axe()
    for pupil_ in data["y3a"][1:]:
        page.get_by_label(f"{pupil_.last_name}, {pupil_.first_name}", exact=False).check()
    page.get_by_label("Date signed").fill("2026-01-15")
    scan = tmp_path / "sheet.pdf"
    scan.write_bytes(b"%PDF-1.4 a scanned signing sheet")
    page.get_by_label("Scanned sheet (optional)").set_input_files(str(scan))
    page.get_by_role("button", name="Record the signatures").click()
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_text("3 paper signatures recorded.").is_visible()
    record = PaperRecord.objects.get(method="paper")
    assert record.count == 3 and record.scan is not None
    assert coverage.by_audience(school)["pupil_older"].signed == 6


def test_the_parents_missing_tick_is_linked_to_its_box_and_the_text_is_in_the_sites_typeface(
    new_page, school
):
    agreements(school)
    parent = parent_of(school, pupil(school, "4", "4B", "Juniper", "Quillfeather"), first="Rowan")
    version = AgreementVersion.objects.get(agreement__school=school, agreement__audience="parent")
    # An indented paragraph, as schools paste them: Markdown makes it a code block.
    version.text += (
        "\n\nAt home:\n\n    We will keep to this agreement at home as well as at school.\n"
    )
    version.save()
    annotated = coverage.people([school]).get(pk=parent.pk)
    [(_, url, _)] = links.links_for_letters(actor=None, school=school, persons=[annotated])

    phone = new_page()
    phone.goto("/" + url.split("/", 3)[3])
    phone.get_by_label("Your full name").fill("Rowan Quillfeather")
    phone.get_by_role("button", name="Sign").click()
    phone.wait_for_load_state()
    phone.axe()

    summary = phone.locator(".govuk-error-summary")
    assert phone.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    link = summary.get_by_role("link", name="Tick the box to say you have read the agreement")
    box = phone.get_by_label("I have read this agreement and I agree to keep to it")
    box_id = box.get_attribute("id")
    assert link.get_attribute("href") == f"#{box_id}"
    described = box.get_attribute("aria-describedby").split()
    assert f"{box_id}-error" in described
    assert "Tick the box" in phone.locator(f"#{box_id}-error").inner_text()
    link.click()
    assert phone.evaluate("document.activeElement.id") == box_id

    font = "el => getComputedStyle(el).fontFamily"
    site = phone.locator("h1").evaluate(font)
    text = phone.locator(".bastion-agreement-text")
    assert "monospace" not in site
    for part in ("li", "h2", "pre", "code"):
        assert text.locator(part).first.evaluate(font) == site, part
    assert not Signature.objects.filter(person=parent).exists()
