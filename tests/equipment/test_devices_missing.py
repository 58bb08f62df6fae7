"""Reporting a device lost or stolen (P4): any member of staff may, in one form that is also
the incident report (a device not on the register too); the DPO and the SIRO are alerted at once
over real SMTP, with the device's facts and the incident's reference."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError

from bastion.core.models import AuditEvent
from bastion.equipment import devices
from bastion.equipment.models import Device
from bastion.incidents.models import Incident
from bastion.notify.models import OutboxMessage
from tests.equipment.test_devices import adult, device, url
from tests.notify.conftest import received

pytestmark = pytest.mark.django_db

REPORTED_AT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
KEY = uuid.UUID("7c0a8a52-5f0e-4f57-9d3c-2f0a4e1b6a11")


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(REPORTED_AT, tick=False)


@pytest.fixture
def officers(siro, dpo, it_lead, office, governor):
    """The whole school; only the DPO and the SIRO are alerted."""
    return sorted([siro.email, dpo.email])


@pytest.fixture
def sams_laptop(school, staff):
    sam = adult(school, first="Sam", last="Staff", user=staff)
    return device(
        school,
        "laptop",
        "LAP-007",
        make="Dell",
        model="Latitude 5440",
        serial="8QZ1",
        holds_personal_data=True,
        encrypted=True,
        assigned_to=sam,
    )


@pytest.fixture
def report(client_for, django_capture_on_commit_callbacks):
    """report(user, data, query="") -> response; mail goes out when the request commits."""

    def send(user, school, data, query=""):
        with django_capture_on_commit_callbacks(execute=True):
            return client_for(user).post(url(school, f"missing/{query}"), data)

    return send


def device_alerts(smtp) -> list:
    """The device alerts (the incident's own alert to its handlers goes out beside them)."""
    return [m for m in received(smtp) if m["Subject"].startswith("[Bastion] Device reported")]


def test_a_member_of_staff_reports_their_laptop_lost_and_the_dpo_and_siro_hear_at_once(
    school, staff, officers, sams_laptop, smtp, report
):
    response = report(
        staff, school, {"which": sams_laptop.pk, "status": "lost", "note": "Left on the 73 bus"}
    )
    assert response.status_code == 302
    # The report is the incident's: what happened is not asked again.
    incident = Incident.objects.get()
    assert response.url == f"/s/{school.slug}/incidents/{incident.pk}/reported/"
    assert (incident.kind, incident.device, incident.reporter) == (
        "lost_device",
        sams_laptop,
        staff,
    )
    assert incident.what_happened == "Left on the 73 bus"
    assert incident.discovered_at == REPORTED_AT
    sams_laptop.refresh_from_db()
    assert sams_laptop.status == Device.Status.LOST
    assert sams_laptop.reported_missing_at == REPORTED_AT
    assert sams_laptop.incident_reference == incident.reference == "INC-2026-0001"

    mails = device_alerts(smtp)
    assert sorted(m["To"] for m in mails) == officers
    assert mails[0]["Subject"] == "[Bastion] Device reported lost at Ashmole Primary"
    body = mails[0].get_content()
    assert "Dell Latitude 5440 (LAP-007), laptop" in body
    assert "Holds personal data: yes; encrypted: yes" in body
    assert "Reported by Sam Staff (sam.staff@ashmole.example.org) on 2 March 2026 at 09:30" in body
    assert "What happened: Left on the 73 bus" in body
    assert "72 hours for reporting it to the ICO may have started" in body
    assert "would end on 5 March 2026 at 09:30" in body
    assert "incidents register is in place" not in body
    assert (
        "It is reported in the incidents register as INC-2026-0001, to assess and decide on: "
        f"http://127.0.0.1:8000/s/ashmole/incidents/{incident.pk}/"
    ) in body
    assert f"http://127.0.0.1:8000/s/ashmole/equipment/devices/{sams_laptop.pk}/" in body

    event = AuditEvent.objects.get(action="device.reported_missing")
    assert event.changes["status"] == ["in_use", "lost"]
    assert event.changes["incident_reference"] == ["", "INC-2026-0001"]
    assert event.actor == staff
    # The reporter's words stay in the incident, not in the append-only audit trail.
    assert "73 bus" not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


def test_the_same_report_sent_twice_makes_one_incident(
    school, staff, officers, sams_laptop, report
):
    data = {"which": sams_laptop.pk, "status": "lost", "note": "x", "submission_key": str(KEY)}
    first = report(staff, school, data)
    again = report(staff, school, data)

    assert first.status_code == again.status_code == 302
    assert first.url == again.url
    assert Incident.objects.count() == 1


def test_a_device_not_on_the_register_is_reported_as_an_incident_without_a_device(
    school, staff, officers, sams_laptop, smtp, report, client_for
):
    form = client_for(staff).get(url(school, "missing/")).content.decode()
    assert "A device that is not on the register" in form

    data = {"which": "unlisted", "description": "Grey iPad mini, the music department's"}
    response = report(staff, school, data | {"status": "stolen", "note": "Taken from the hall"})

    incident = Incident.objects.get()
    assert response.url == f"/s/{school.slug}/incidents/{incident.pk}/reported/"
    assert (incident.kind, incident.device) == ("stolen_device", None)
    assert incident.system_or_asset == "Grey iPad mini, the music department's"
    assert incident.what_happened == "Taken from the hall"
    sams_laptop.refresh_from_db()
    assert sams_laptop.status == "in_use"
    assert sorted(m["To"] for m in received(smtp)) == officers  # the incident's alert
    assert received(smtp)[0]["Subject"] == (
        "[Bastion] Incident INC-2026-0001 reported at Ashmole Primary"
    )


def test_a_device_not_on_the_register_must_be_described(school, staff, officers, smtp, report):
    response = report(staff, school, {"which": "unlisted", "status": "lost", "note": "x"})

    assert response.status_code == 200
    assert "Say what the device is: its make and model." in response.content.decode()
    assert not Incident.objects.exists()
    assert smtp.messages == []


def test_staff_report_a_device_they_know_of_by_asset_tag_or_serial(
    school, staff, officers, smtp, report
):
    copier = device(school, "mfd", "MFD-3", serial="RC-99")
    tablet = device(school, "tablet", "TAB-4", serial="F9K")
    assert (
        report(staff, school, {"tag": "mfd-3", "status": "stolen", "note": "Gone"}).status_code
        == 302
    )
    assert (
        report(staff, school, {"tag": " f9k ", "status": "lost", "note": "Gone"}).status_code == 302
    )
    copier.refresh_from_db()
    tablet.refresh_from_db()
    assert (copier.status, tablet.status) == ("stolen", "lost")
    assert len(device_alerts(smtp)) == 4
    assert Incident.objects.filter(device__in=[copier, tablet]).count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"tag": "NOPE-1", "status": "lost", "note": "x"}, "No device on the register has this"),
        ({"tag": "", "status": "lost", "note": "x"}, "Give the asset tag or serial number"),
        ({"tag": "LAP-007", "status": "", "note": "x"}, "Say whether it is lost or stolen."),
        ({"tag": "LAP-007", "status": "broken", "note": "x"}, "Select a valid choice."),
        ({"tag": "LAP-007", "status": "lost", "note": ""}, "Say briefly what happened."),
        ({"tag": "LAP-007", "status": "lost", "note": "x" * 501}, "at most 500 characters"),
        ({"tag": "OLD-1", "status": "lost", "note": "x"}, "No device on the register has this"),
        ({"tag": "THEIRS-1", "status": "lost", "note": "x"}, "No device on the register has this"),
        ({"tag": "SER-DUP", "status": "lost", "note": "x"}, "More than one device has this serial"),
    ],
)
def test_a_bad_report_explains_and_changes_nothing(
    school, other_school, office, officers, smtp, report, data, message
):
    device(school, "laptop", "LAP-007")
    device(school, "laptop", "OLD-1", status=Device.Status.DISPOSED)
    device(other_school, "laptop", "THEIRS-1")
    device(school, "tablet", "T-1", serial="SER-DUP")
    device(school, "tablet", "T-2", serial="SER-DUP")
    before = list(Device.objects.order_by("pk").values())
    response = report(office, school, data)
    assert response.status_code == 200
    page = response.content.decode().replace("&#x27;", "'")
    assert "There is a problem" in page and message in page
    assert list(Device.objects.order_by("pk").values()) == before
    assert smtp.messages == [] and not OutboxMessage.objects.exists()
    assert not Incident.objects.exists()


def test_a_device_already_reported_is_not_reported_twice(school, it_lead, officers, smtp, report):
    phone = device(school, "phone", "PH-1")
    assert (
        report(it_lead, school, {"status": "lost", "note": "x"}, f"?device={phone.pk}").status_code
        == 302
    )
    response = report(it_lead, school, {"status": "stolen", "note": "x"}, f"?device={phone.pk}")
    assert response.status_code == 200
    assert (
        "This device was already reported lost on 2 March 2026 at 09:30."
        in response.content.decode()
    )
    phone.refresh_from_db()
    assert phone.status == "lost"
    assert len(device_alerts(smtp)) == 2
    assert Incident.objects.count() == 1


def test_the_it_lead_reports_from_the_devices_page_and_the_incident_is_reported_with_it(
    client_for, school, it_lead, officers, smtp, report
):
    server = device(school, "server", "SRV-1", holds_personal_data=True)
    page = client_for(it_lead).get(url(school, f"{server.pk}/")).content.decode()
    assert f"missing/?device={server.pk}" in page
    response = report(
        it_lead, school, {"status": "stolen", "note": "Break-in overnight"}, f"?device={server.pk}"
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert response.url == f"/s/{school.slug}/incidents/{incident.pk}/reported/"
    assert (incident.kind, incident.device) == ("stolen_device", server)
    page = client_for(it_lead).get(url(school, f"{server.pk}/")).content.decode()
    assert "Reported stolen on 2 March 2026 at 09:30 by ira.it@ashmole.example.org" in page
    assert f"Followed up as incident {incident.reference}." in page
    assert "Report it as an incident" not in page
    assert "Report lost or stolen" not in page
    assert [m["Subject"] for m in device_alerts(smtp)] == [
        "[Bastion] Device reported stolen at Ashmole Primary"
    ] * 2


def test_staff_cannot_pick_another_device_by_its_id(
    school, staff, sams_laptop, client_for, officers, smtp, report
):
    other = device(school, "laptop", "LAP-900")
    form = client_for(staff).get(url(school, f"missing/?device={other.pk}")).context["form"]
    assert form.device is None
    assert next(label for _, label in form.fields["which"].choices) == str(sams_laptop)
    response = report(staff, school, {"which": str(other.pk), "status": "lost", "note": "x"})
    assert response.status_code == 200
    other.refresh_from_db()
    assert other.status == "in_use"


def test_a_governor_may_not_report_through_bastion(school, governor, client_for):
    assert client_for(governor).get(url(school, "missing/")).status_code == 403
    assert client_for(governor).post(url(school, "missing/"), {}).status_code == 403


def test_lost_or_stolen_cannot_be_set_by_editing_or_adding(school, it_lead):
    laptop = device(school)
    with pytest.raises(ValidationError, match="Report lost or stolen"):
        devices.device_update(actor=it_lead, school=school, device=laptop, data={"status": "lost"})
    with pytest.raises(ValidationError, match="report it lost or stolen"):
        devices.device_create(
            actor=it_lead, school=school, data={"kind": "phone", "status": "stolen"}
        )
    laptop.refresh_from_db()
    assert laptop.status == "in_use"


def test_with_no_dpo_or_siro_the_it_lead_is_alerted(
    school, staff, it_lead, sams_laptop, smtp, report
):
    report(staff, school, {"which": sams_laptop.pk, "status": "lost", "note": "x"})
    assert [m["To"] for m in device_alerts(smtp)] == [it_lead.email]


def test_an_unsent_alert_waits_in_the_outbox_for_run_schedule(
    school, staff, officers, sams_laptop, smtp, report
):
    smtp.fail_next = 4  # the device alerts and the incident's
    report(staff, school, {"which": sams_laptop.pk, "status": "lost", "note": "x"})
    assert received(smtp) == []
    pending = OutboxMessage.objects.filter(status="pending", subject__contains="Device reported")
    assert pending.count() == 2
