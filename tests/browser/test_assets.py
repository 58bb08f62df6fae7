"""The DPO keeps the information asset register: from the menu to the list, adds an asset with
special category data, edits it, marks it reviewed and exports the register to Excel."""

from __future__ import annotations

from pathlib import Path

from bastion.assets.models import InformationAsset
from bastion.people.models import Kind, Person
from bastion.systems.models import System
from tests.browser.conftest import sign_in
from tests.exports import first_sheet


def test_the_dpo_adds_edits_and_exports_an_information_asset(page, dpo, school):
    Person.objects.create(
        school=school, kind=Kind.STAFF, first_name="Nia", last_name="Novak", job_title="SENCo"
    )
    System.objects.create(school=school, name="MIS")
    sign_in(page, dpo)
    page.goto(f"/s/{school.slug}/")
    page.axe()
    page.get_by_role("link", name="Information assets").click()
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_role("heading", name="Information assets", exact=True).is_visible()

    page.get_by_role("link", name="Add an asset").click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_label("Name", exact=True).fill("SEN records")
    page.get_by_label("Information asset owner").select_option(label="Nia Novak, SENCo")
    page.get_by_label("Pupils", exact=True).check()
    page.get_by_label("It holds special category data").check()
    page.get_by_label("Health (medical and SEN)").check()
    page.get_by_label("Held in a system").select_option(label="MIS")
    page.get_by_label("High").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    page.axe()
    # No Article 9 condition and not in a secure area: both flagged.
    assert page.get_by_role("heading", name="This asset has 2 flags").is_visible()
    sen = InformationAsset.objects.get(school=school)
    assert (sen.reference, sen.owner.last_name, sen.system.name, sen.risk) == (
        "IA-001",
        "Novak",
        "MIS",
        "high",
    )

    page.get_by_role("link", name="Edit the entry").click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_label("Article 9 condition").select_option(label="(g) Substantial public interest")
    page.get_by_label("Held in a secure area").check()
    page.get_by_label("Last reviewed (optional)").fill("")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_role("heading", name="This asset has 1 flag").is_visible()  # review
    page.get_by_role("button", name="Mark reviewed today").click()
    page.wait_for_load_state()
    page.axe()
    assert not page.get_by_role("heading", name="This asset has 1 flag").is_visible()

    page.get_by_role("link", name="Back to information assets").click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_role("link", name="Export to Excel").click()
    page.wait_for_load_state()
    page.axe()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the workbook").click()
    sheet = first_sheet(Path(download.value.path()).read_bytes())
    row = [cell.value for cell in sheet[4]]
    assert row[:4] == ["IA-001", "SEN records", None, "Nia Novak"]
