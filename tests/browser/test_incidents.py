"""A member of staff reports a lost laptop on a phone; the DPO handles it through to closure."""

from __future__ import annotations

from bastion.equipment.models import Device
from bastion.incidents.models import Draft, Incident
from tests.browser.conftest import sign_in

PHONE = {"width": 390, "height": 844}


def go(page, action) -> None:
    """Click (or press) something that loads a page, then check the new page."""
    action()
    page.wait_for_load_state()
    page.axe()


def test_staff_report_on_a_phone_and_the_dpo_handles_it_to_closure(
    new_page, school, staff, dpo, siro
):
    laptop = Device.objects.create(
        school=school, kind=Device.Kind.LAPTOP, make="Dell", model="Latitude", asset_tag="AS-017"
    )

    # ---- the member of staff, on a phone ----
    phone = new_page()
    phone.set_viewport_size(PHONE)
    sign_in(phone, staff)
    phone.axe()
    go(phone, phone.get_by_role("link", name="Report an incident").click)
    assert phone.get_by_role("heading", name="Report an incident").is_visible()
    assert phone.get_by_text("Your report goes straight to Dev Dpo and Hana Siro").is_visible()

    phone.get_by_label("Lost device").check()
    phone.get_by_label("Which device? (if one was involved)").select_option(label=str(laptop))
    phone.get_by_label("What personal data is involved?").fill("Year 4 reading assessments")
    phone.get_by_label("Roughly how many people are affected?").fill("28")
    phone.get_by_label("Children's data is involved").check()
    # The form saves itself to the server as they type.
    phone.locator("#draft-status").get_by_text("Draft saved at").wait_for()
    assert Draft.objects.get(user=staff).data["personal_data"] == "Year 4 reading assessments"

    # Sent without saying what happened: the error keeps everything typed.
    go(phone, phone.get_by_role("button", name="Send the report").click)
    assert phone.get_by_role("link", name="Enter what happened.").is_visible()
    assert phone.get_by_label("What personal data is involved?").input_value() == (
        "Year 4 reading assessments"
    )
    assert phone.get_by_label("Roughly how many people are affected?").input_value() == "28"
    assert phone.get_by_label("Children's data is involved").is_checked()
    assert phone.get_by_label("Lost device").is_checked()

    phone.get_by_label("What happened?").fill("Left the Year 4 laptop on the bus home.")
    go(phone, phone.get_by_role("button", name="Send the report").click)
    assert phone.get_by_role("heading", name="Incident reported").is_visible()
    reference = phone.locator("#incident-reference").inner_text()
    incident = Incident.objects.get()
    assert reference == incident.reference
    assert not Draft.objects.exists()
    laptop.refresh_from_db()
    assert (laptop.status, laptop.incident_reference) == (Device.Status.LOST, reference)

    go(phone, phone.get_by_role("link", name="See your report").click)
    assert phone.get_by_role("heading", name="Your report").is_visible()

    # ---- the DPO, in their own browser ----
    desk = new_page()
    sign_in(desk, dpo)
    desk.axe()
    go(desk, desk.get_by_role("link", name="My tasks").click)
    go(desk, desk.get_by_role("link", name=f"Triage {reference} (Lost device)").click)
    assert desk.get_by_text("Decide whether to tell the ICO by").is_visible()
    assert desk.get_by_text("Left the Year 4 laptop on the bus home.").is_visible()

    go(desk, desk.get_by_role("link", name="Assess the risk").click)
    desk.locator("#id_likelihood_2").check()  # High
    desk.locator("#id_severity_1").check()  # Medium
    desk.get_by_label("Your reasoning").fill("Unencrypted laptop with pupils' assessments.")
    go(desk, desk.get_by_role("button", name="Save the assessment").click)
    assert desk.get_by_text("Assessed: a high risk to people.").is_visible()

    go(desk, desk.get_by_role("link", name="Record the ICO decision").click)
    desk.get_by_label("Yes, and it has been told").check()
    desk.get_by_label("The ICO's reference").fill("IC-123456-A1B2")
    desk.get_by_label("When was the ICO told?").fill(desk_now(desk))
    go(desk, desk.get_by_role("button", name="Save the decision").click)
    assert desk.get_by_text("The ICO was told on").is_visible()

    go(desk, desk.get_by_role("link", name="Record whether people are told").click)
    desk.get_by_label("Yes").check()
    desk.get_by_label("When were they told?").fill(desk_now(desk)[:10])
    desk.get_by_label("How were they told?").fill("Letter home to each family")
    go(desk, desk.get_by_role("button", name="Save the decision").click)

    go(desk, desk.get_by_role("link", name="Add an action").click)
    desk.get_by_label("Prevention").check()
    desk.get_by_label("What needs doing?").fill("Encrypt every class laptop")
    desk.get_by_label("Who owns it?").select_option(label=f"{dpo} ({dpo.email})")
    desk.get_by_label("Due by").fill(desk_now(desk)[:10])
    go(desk, desk.get_by_role("button", name="Add the action").click)
    go(desk, desk.get_by_role("button", name="Mark done").click)

    go(desk, desk.get_by_role("link", name="Close the incident").click)
    desk.get_by_label("What caused it?").fill("A laptop taken home without encryption.")
    desk.get_by_label("Lessons learned").fill("Encrypt portable devices before they leave.")
    go(desk, desk.get_by_role("button", name="Close the incident").click)
    assert desk.get_by_text(f"{reference} is closed.").is_visible()
    assert desk.get_by_role("button", name="Reopen the incident").is_visible()

    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED
    assert incident.risk == "high_risk" and incident.ico_reference == "IC-123456-A1B2"
    assert incident.actions.get().done_at is not None

    # The reporter sees it closed, and nothing of the DPO's assessment.
    go(phone, phone.reload)
    assert phone.get_by_text("Closed", exact=True).is_visible()
    assert phone.get_by_text("Unencrypted laptop").count() == 0


def desk_now(page) -> str:
    """The browser's local time now, as a datetime-local input wants it."""
    return page.evaluate(
        "() => { const d = new Date(); d.setMinutes(d.getMinutes() - d.getTimezoneOffset());"
        " return d.toISOString().slice(0, 16); }"
    )
