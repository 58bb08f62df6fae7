"""The IT lead adds a location and a server managed by someone whose Single Central Record entry
is not complete, sees the rule flagged on the device and on the register, and records a check
of the location."""

from __future__ import annotations

from bastion.equipment.models import Device, Location, LocationCheck
from bastion.incidents.models import Incident
from bastion.people.models import Person
from bastion.people.services import person_create
from tests.browser.conftest import sign_in


def test_the_it_lead_registers_a_server_sees_the_dbs_rule_and_checks_the_lock(
    page, it_lead, office, school
):
    person_create(
        actor=office,
        school=school,
        data={
            "kind": "staff",
            "first_name": "Nia",
            "last_name": "Novak",
            "job_title": "Technician",
        },
    )
    Device.objects.create(school=school, kind="laptop", asset_tag="LAP-1", make="Acer")
    sign_in(page, it_lead)
    page.axe()
    page.goto(f"/s/{school.slug}/")
    page.axe()

    page.get_by_role("link", name="Equipment").click()
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_role("heading", name="Devices", exact=True).is_visible()
    page.get_by_role("link", name="Locations").first.click()
    page.wait_for_load_state()
    page.axe()

    page.get_by_role("link", name="Add a location").click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_label("Name").fill("Server cupboard")
    page.get_by_label("Cabinet").check()
    page.get_by_label("Lockable").check()
    page.get_by_label("May hold servers").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_role("heading", name="Server cupboard").is_visible()
    cupboard = Location.objects.get(school=school)
    assert cupboard.lockable and cupboard.for_servers

    page.get_by_role("link", name="Equipment").click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_role("link", name="Add a device").click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_label("Kind").select_option("server")
    page.get_by_label("Make").fill("Dell")
    page.get_by_label("Model").fill("PowerEdge T150")
    page.get_by_label("Asset tag").fill("SRV-001")
    page.get_by_label("Holds personal data").check()
    page.get_by_label("Location").select_option(label="Server cupboard")
    page.get_by_label("Managed by").select_option(label="Nia Novak, Technician")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    page.axe()

    server = Device.objects.get(school=school, kind="server")
    assert (server.kind, server.location, server.manager.last_name) == (
        "server",
        cupboard,
        "Novak",
    )
    assert page.get_by_role("heading", name="This device breaks 1 rule").is_visible()
    assert page.get_by_text("Nia Novak has no complete Single Central Record entry.").is_visible()

    page.get_by_role("link", name="Back to devices").click()
    page.wait_for_load_state()
    page.axe()
    results = page.locator("#results")
    assert results.get_by_text("2 devices").is_visible()
    page.get_by_label("Rules").select_option("manager_unchecked")
    page.wait_for_url("**problem=manager_unchecked**")
    results.get_by_text("1 device", exact=True).wait_for()
    page.axe()
    assert results.get_by_text("Manager not DBS-checked").is_visible()

    results.get_by_role("link", name="Dell PowerEdge T150").click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_role("link", name="Server cupboard").click()
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_text("A check is due").is_visible()
    page.get_by_role("link", name="Record a check").click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Record").click()
    page.wait_for_load_state()
    page.axe()

    check = LocationCheck.objects.get(location=cupboard)
    assert check.as_expected and check.checked_by == it_lead
    assert page.get_by_text("The check of Server cupboard is recorded.").is_visible()
    assert page.get_by_role("cell", name="Ira Itlead").is_visible()
    assert page.get_by_text("A check is due").count() == 0


def test_a_member_of_staff_reports_their_laptop_lost_and_the_dpo_hears(
    page, staff, dpo, siro, school, smtp
):
    sam = Person.objects.create(
        school=school, kind="staff", first_name="Sam", last_name="Staff", user=staff
    )
    laptop = Device.objects.create(
        school=school, kind="laptop", asset_tag="LAP-007", make="Dell", assigned_to=sam
    )
    sign_in(page, staff)
    page.axe()
    page.goto(f"/s/{school.slug}/")
    page.axe()
    page.get_by_role("link", name="Report a lost device").click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_label("Dell (LAP-007)").check()
    page.get_by_label("Lost", exact=True).check()
    page.get_by_label("What happened?").fill("Left on the train")
    page.get_by_role("button", name="Report it").click()
    page.wait_for_load_state()
    page.axe()

    assert page.get_by_text("The DPO and the SIRO have been told by e-mail.").is_visible()
    laptop.refresh_from_db()
    assert laptop.status == "lost"
    incident = Incident.objects.get()
    assert (incident.device, incident.what_happened) == (laptop, "Left on the train")
    assert laptop.incident_reference == incident.reference
    # Two alerts each: the device's facts, and the incident's to triage.
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == sorted([dpo.email, siro.email] * 2)


def test_staff_report_a_lost_device_that_is_not_on_the_register(page, staff, dpo, school, smtp):
    sign_in(page, staff)
    page.axe()
    page.goto(f"/s/{school.slug}/")
    page.axe()
    page.get_by_role("link", name="Report a lost device").click()
    page.wait_for_load_state()
    page.axe()
    page.get_by_label("A device that is not on the register").check()
    page.get_by_label("What is the device?").fill("My own phone, with the school e-mail on it")
    page.get_by_label("Lost", exact=True).check()
    page.get_by_label("What happened?").fill("Lost it at the swimming pool")
    page.get_by_role("button", name="Report it").click()
    page.wait_for_load_state()
    page.axe()

    incident = Incident.objects.get()
    assert page.url.endswith(f"/incidents/{incident.pk}/reported/")
    assert page.get_by_text(f"reported as incident {incident.reference}").is_visible()
    assert (incident.kind, incident.device) == ("lost_device", None)
    assert incident.system_or_asset == "My own phone, with the school e-mail on it"
    assert incident.what_happened == "Lost it at the swimming pool"
    assert not Device.objects.exists()
