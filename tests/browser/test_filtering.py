"""The IT lead names who is responsible for filtering and monitoring, records the provider, a
decision and the yearly review with evidence; the governor reads the register."""

from __future__ import annotations

from pathlib import Path

from bastion.filtering.models import Check
from bastion.people.models import Person
from tests.browser.conftest import sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _go(page, action) -> None:
    action()
    page.wait_for_load_state()
    page.axe()


def test_the_it_lead_keeps_the_register_and_the_governor_reads_it(
    new_page, it_lead, governor, school, tmp_path
):
    Person.objects.create(
        school=school, kind="staff", first_name="Hana", last_name="Hart", job_title="Head Teacher"
    )
    Person.objects.create(
        school=school, kind="governor", first_name="Gina", last_name="Governor", user=governor
    )
    page = new_page()
    sign_in(page, it_lead)
    page.axe()
    _go(page, lambda: page.get_by_role("link", name="Filtering").click())
    assert page.get_by_text("No yearly review is recorded yet.").is_visible()

    _go(page, lambda: page.get_by_role("link", name="Change who is responsible").click())
    page.get_by_label("Senior leader responsible").select_option(label="Hart, Hana (Head Teacher)")
    page.get_by_label("Governor responsible").select_option(label="Governor, Gina")
    page.get_by_label("Monitoring software and approach").fill(
        "Monitoring service; alerts to the DSL"
    )
    page.get_by_label("School e-mail is monitored").check()
    page.get_by_label("Every term").check()
    _go(page, lambda: page.get_by_role("button", name="Save").click())

    _go(page, lambda: page.get_by_role("link", name="Add a provider").click())
    page.get_by_label("Provider", exact=True).fill("LGfL WebScreen")
    page.get_by_label("Covers the wired network").check()
    page.get_by_label("Covers the wireless network").check()
    _go(page, lambda: page.get_by_role("button", name="Save").click())
    assert page.get_by_text("The provider LGfL WebScreen is saved.").is_visible()

    _go(page, lambda: page.get_by_role("link", name="Blocked and allowed").click())
    _go(page, lambda: page.get_by_role("link", name="Record a decision").click())
    page.get_by_label("Blocked").check()
    page.get_by_label("Site or category").fill("Anonymous proxy sites")
    page.get_by_label("Reason").fill("Used to get round the filtering")
    _go(page, lambda: page.get_by_role("button", name="Save").click())
    assert page.get_by_role("cell", name="Anonymous proxy sites").is_visible()

    _go(page, lambda: page.get_by_role("link", name="Summary").click())
    _go(page, lambda: page.get_by_role("link", name="Record a check or review").click())
    page.get_by_label("Yearly review").check()
    page.get_by_label("Results").fill("Test sites blocked on wired and wireless")
    evidence = Path(tmp_path) / "report.png"
    evidence.write_bytes(PNG)
    page.get_by_label("Evidence (optional)").set_input_files(str(evidence))
    _go(page, lambda: page.get_by_role("button", name="Save").click())
    assert "Last reviewed on" in page.locator("#due").inner_text()
    assert Check.objects.get().evidence.name == "report.png"

    reader = new_page()
    sign_in(reader, governor)
    reader.axe()
    _go(reader, lambda: reader.get_by_role("link", name="Filtering").click())
    responsible = reader.locator("#responsible").inner_text()
    assert "Hana Hart" in responsible and "Gina Governor" in responsible
    assert reader.get_by_role("link", name="Change who is responsible").count() == 0
