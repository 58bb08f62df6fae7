"""Reporting an incident: any member of staff, a reference at once, the DPO and SIRO alerted,
and nothing lost (double submits, failed e-mail, validation errors)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from bastion.core.models import AuditEvent
from bastion.equipment.models import Device
from bastion.incidents.models import Draft, Incident
from bastion.notify.models import OutboxMessage
from tests.incidents.conftest import NOW, form_data, make_incident, received

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

PERSONAS = ["siro", "dpo", "it_lead", "office", "staff", "governor", "trust_admin"]


def url(school, name="report/") -> str:
    return f"/s/{school.slug}/incidents/{name}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_member_of_the_school_can_report_an_incident(request, client_for, school, persona):
    user = request.getfixturevalue(persona)
    client = client_for(user)

    assert client.get(url(school)).status_code == 200
    response = client.post(url(school), form_data())

    incident = Incident.objects.get()
    assert incident.reporter == user
    assert response.status_code == 302
    assert response["Location"] == f"/s/{school.slug}/incidents/{incident.pk}/reported/"


def test_the_header_links_to_the_form_from_every_school_page(client_for, school, staff):
    client = client_for(staff)
    link = f'href="/s/{school.slug}/incidents/report/">Report an incident</a>'

    assert link in client.get(f"/s/{school.slug}/").content.decode()
    # Pages outside a school link to the school the user was last in.
    assert link in client.get("/tasks/").content.decode()


def test_an_outsider_cannot_open_the_form(client_for, school, outsider):
    assert client_for(outsider).get(url(school)).status_code == 404
    assert client_for(outsider).post(url(school), form_data()).status_code == 404
    assert not Incident.objects.exists()


def test_the_reporter_gets_a_reference_at_once(client_for, school, staff):
    client = client_for(staff)

    response = client.post(url(school), form_data(), follow=True)

    page = response.content.decode()
    incident = Incident.objects.get()
    assert incident.reference == "INC-2026-0001"
    assert '<strong id="incident-reference">INC-2026-0001</strong>' in page
    assert incident.kind == "lost_device"
    assert incident.what_happened == "Left the Year 4 laptop on the bus home."
    assert incident.discovered_at == dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    assert incident.happened_at == dt.datetime(2026, 3, 2, 8, 15, tzinfo=dt.UTC)
    assert incident.people_affected == 28
    assert incident.children_data and not incident.special_category
    # The clock starts when a member of staff knew: 72 hours from the discovery.
    assert incident.aware_at == incident.discovered_at
    assert incident.ico_deadline == dt.datetime(2026, 3, 5, 9, 30, tzinfo=dt.UTC)


def test_references_count_up_per_school_and_year(school, other_school, staff, outsider, clock):
    assert make_incident(school, staff).reference == "INC-2026-0001"
    assert make_incident(school, staff).reference == "INC-2026-0002"
    assert make_incident(other_school, outsider).reference == "INC-2026-0001"
    clock.move_to(dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC))
    assert make_incident(school, staff).reference == "INC-2027-0001"


def test_references_past_9999_keep_counting(school, staff):
    Incident.objects.create(
        school=school,
        reference="INC-2026-9999",
        submission_key="00000000-0000-4000-8000-000000000001",
        reporter=staff,
        kind="other",
        what_happened="x",
        discovered_at=NOW,
        aware_at=NOW,
    )
    assert make_incident(school, staff).reference == "INC-2026-10000"
    assert make_incident(school, staff).reference == "INC-2026-10001"


def test_the_dpo_and_siro_are_alerted_by_email_at_once(
    client_for, school, staff, dpo, siro, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(staff).post(url(school), form_data())

    mails = received(smtp)
    assert sorted(m["To"] for m in mails) == sorted([dpo.email, siro.email])
    incident = Incident.objects.get()
    for mail in mails:
        assert mail["Subject"] == "[Bastion] Incident INC-2026-0001 reported at Ashmole Primary"
        body = mail.get_content()
        assert "Sam Staff has reported an incident at Ashmole Primary" in body
        assert "Thursday 5 March 2026 at 09:30" in body
        assert f"/s/ashmole/incidents/{incident.pk}/" in body
        # The details stay in Bastion: they may be personal data.
        assert "bus" not in body and "reading" not in body


def test_the_dpo_sees_triage_in_my_tasks_at_once(client_for, school, staff, dpo, siro):
    client_for(staff).post(url(school), form_data())

    for handler in (dpo, siro):
        page = client_for(handler).get("/tasks/").content.decode()
        assert "Triage INC-2026-0001 (Lost device): ICO deadline 71 hours 30 minutes left" in page
    assert "Triage" not in client_for(staff).get("/tasks/").content.decode()


def test_a_school_without_dpo_or_siro_alerts_the_trust_admins(
    school, staff, trust_admin, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_incident(school, staff)

    assert [m["To"] for m in received(smtp)] == [trust_admin.email]


def test_a_double_submit_makes_one_report(
    client_for, school, staff, dpo, smtp, django_capture_on_commit_callbacks
):
    client = client_for(staff)
    data = form_data()

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url(school), data)
        second = client.post(url(school), data)

    incident = Incident.objects.get()
    assert (
        first["Location"]
        == second["Location"]
        == (f"/s/{school.slug}/incidents/{incident.pk}/reported/")
    )
    assert len(smtp.messages) == 1
    assert AuditEvent.objects.filter(action="incident.reported").count() == 1
    page = client.get(second["Location"]).content.decode()
    assert "This report was already sent as INC-2026-0001" in page


def test_a_new_form_carries_a_new_one_time_key(client_for, school, staff):
    client = client_for(staff)
    keys = {client.get(url(school)).context["form"].initial["submission_key"] for _ in range(2)}
    assert len(keys) == 2


def test_someone_elses_key_does_not_lead_to_their_report(client_for, school, staff, office):
    data = form_data()
    client_for(staff).post(url(school), data)

    response = client_for(office).post(url(school), data)

    assert response.status_code == 200
    assert "This form was already used" in response.content.decode()
    assert Incident.objects.count() == 1


def test_a_failed_email_does_not_fail_the_report_and_is_retried_by_run_schedule(
    client_for, school, staff, dpo, smtp, run_schedule, django_capture_on_commit_callbacks, clock
):
    smtp.fail_next = 1

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post(url(school), form_data())

    assert response.status_code == 302
    assert Incident.objects.get().reference == "INC-2026-0001"
    assert smtp.messages == []
    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.PENDING
    assert "451" in message.last_error

    clock.move_to(NOW + dt.timedelta(minutes=2))
    assert "outbox: sent 1" in run_schedule("--job", "outbox")
    assert [m["To"] for m in received(smtp)] == [dpo.email]


def test_a_validation_error_keeps_every_word(client_for, school, staff):
    data = form_data(
        kind="",
        what_happened="Sent the SEN register to a parent by mistake.\nThey have deleted it.",
        personal_data="Names, needs & diagnoses <of 12 pupils>",
        system_or_asset="School e-mail",
        done_already="Asked the parent to delete it; they have.",
        people_affected="12",
        special_category="on",
    )

    response = client_for(staff).post(url(school), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose the kind of incident." in page
    assert "Sent the SEN register to a parent by mistake.\nThey have deleted it." in page
    assert "Names, needs &amp; diagnoses &lt;of 12 pupils&gt;" in page
    assert 'value="School e-mail"' in page
    assert "Asked the parent to delete it; they have." in page
    assert 'value="12"' in page
    assert 'name="special_category" id="id_special_category" checked' in page
    assert 'value="2026-03-02T09:30"' in page and 'value="2026-03-02T08:15"' in page
    assert f'value="{data["submission_key"]}"' in page
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"what_happened": ""}, "what_happened", "Enter what happened."),
        ({"what_happened": "x" * 10_000}, "what_happened", "Keep this under 5,000 characters"),
        ({"personal_data": "x" * 10_000}, "personal_data", "Keep this under 5,000 characters"),
        ({"done_already": "x" * 10_000}, "done_already", "Keep this under 5,000 characters"),
        ({"system_or_asset": "x" * 10_000}, "system_or_asset", "200 characters or fewer"),
        ({"people_affected": "x" * 10_000}, "people_affected", "Enter a number"),
        ({"people_affected": "-3"}, "people_affected", "0 or more"),
        ({"people_affected": "99999999999"}, "people_affected", "under 10 million"),
        ({"kind": "x" * 10_000}, "kind", "Choose the kind of incident."),
        ({"discovered_at": ""}, "discovered_at", "Enter when it was discovered."),
        ({"discovered_at": "x" * 10_000}, "discovered_at", "Enter a real date and time"),
        ({"discovered_at": "2026-02-30T09:00"}, "discovered_at", "Enter a real date and time"),
        ({"discovered_at": "2026-03-02T07:00"}, "discovered_at", "discovered before it happened"),
        ({"discovered_at": "2026-03-03T09:00"}, "discovered_at", "cannot be in the future"),
        ({"happened_at": "2026-03-04T09:00"}, "happened_at", "cannot be in the future"),
        ({"happened_at": "1926-03-01T09:00"}, "happened_at", "Enter the real date"),
        ({"device": "x" * 10_000}, "device", "Choose one of the school's devices"),
    ],
)
def test_bad_input_gets_a_clear_message_and_saves_nothing(
    client_for, school, staff, changes, field, message
):
    response = client_for(staff).post(url(school), form_data(**changes))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert f'href="#id_{field}' in response.content.decode()  # in the error summary
    assert not Incident.objects.exists()


def test_a_mangled_one_time_key_gets_a_fresh_one(client_for, school, staff):
    response = client_for(staff).post(url(school), form_data(submission_key="not-a-key"))

    assert response.status_code == 302
    assert Incident.objects.count() == 1


# ---- devices ----------------------------------------------------------------------------------


def test_the_form_lists_the_schools_devices_and_takes_one_from_the_link(
    client_for, school, staff, device
):
    response = client_for(staff).get(url(school), {"device": device.pk, "kind": "stolen_device"})

    page = response.content.decode()
    assert f'<option value="{device.pk}" selected>Dell Latitude (AS-017)</option>' in page
    assert 'value="stolen_device" checked' in page


@pytest.mark.parametrize("value", ["abc", "900000001", "x" * 10_000])
def test_a_device_link_of_another_school_or_nonsense_is_404(
    client_for, school, other_school, staff, value
):
    theirs = Device.objects.create(school=other_school, kind=Device.Kind.PHONE)
    client = client_for(staff)

    assert client.get(url(school), {"device": theirs.pk}).status_code == 404
    assert client.get(url(school), {"device": value}).status_code == 404


def test_another_schools_device_cannot_be_posted(client_for, school, other_school, staff):
    theirs = Device.objects.create(school=other_school, kind=Device.Kind.PHONE)

    response = client_for(staff).post(url(school), form_data(device=str(theirs.pk)))

    assert "Choose one of the school's devices" in " ".join(
        response.context["form"].errors["device"]
    )
    theirs.refresh_from_db()
    assert theirs.status == Device.Status.IN_USE and not theirs.incident_reference


def test_the_service_refuses_another_schools_device(school, other_school, staff):
    theirs = Device.objects.create(school=other_school, kind=Device.Kind.PHONE)

    with pytest.raises(ValidationError):
        make_incident(school, staff, kind="lost_device", device=theirs)

    theirs.refresh_from_db()
    assert not Incident.objects.exists() and not theirs.incident_reference


@pytest.mark.parametrize(
    ("kind", "status"),
    [("lost_device", Device.Status.LOST), ("stolen_device", Device.Status.STOLEN)],
)
def test_a_lost_or_stolen_device_is_marked_so_with_the_reference(
    client_for, school, staff, device, kind, status
):
    client_for(staff).post(url(school), form_data(kind=kind, device=str(device.pk)))

    device.refresh_from_db()
    assert device.status == status
    assert device.incident_reference == "INC-2026-0001"
    assert device.reported_missing_at == NOW
    event = AuditEvent.objects.get(action="device.reported_missing")
    assert event.actor == staff
    assert event.changes["status"] == ["in_use", status]
    assert event.changes["incident_reference"] == ["", "INC-2026-0001"]


def test_a_device_already_marked_missing_keeps_its_status_and_gets_the_reference(
    client_for, school, staff, device
):
    device.status = Device.Status.STOLEN
    device.reported_missing_at = NOW - dt.timedelta(hours=1)
    device.save()

    client_for(staff).post(url(school), form_data(kind="lost_device", device=str(device.pk)))

    device.refresh_from_db()
    assert device.status == Device.Status.STOLEN
    assert device.reported_missing_at == NOW - dt.timedelta(hours=1)
    assert device.incident_reference == "INC-2026-0001"


def test_a_second_report_of_the_same_loss_keeps_the_first_reference(school, staff, device):
    make_incident(school, staff, kind="lost_device", device=device)
    make_incident(school, staff, kind="lost_device", device=device)

    device.refresh_from_db()
    assert device.incident_reference == "INC-2026-0001"


def test_a_device_named_in_another_kind_of_incident_is_left_as_it_is(school, staff, device):
    make_incident(school, staff, kind="malware", device=device)

    device.refresh_from_db()
    assert device.status == Device.Status.IN_USE and not device.incident_reference


def test_disposed_devices_are_not_offered(client_for, school, staff, device):
    device.status = Device.Status.DISPOSED
    device.save()

    assert "Latitude" not in client_for(staff).get(url(school)).content.decode()


# ---- the audit trail and the reporter's pages ------------------------------------------------


def test_the_report_is_audited_without_copying_the_reporters_words(client_for, school, staff):
    client_for(staff).post(url(school), form_data())

    event = AuditEvent.objects.get(action="incident.reported")
    assert event.actor == staff
    assert event.object_repr == "INC-2026-0001: Lost device"
    assert event.changes["reference"] == [None, "INC-2026-0001"]
    assert event.changes["kind"] == [None, "lost_device"]
    assert event.changes["what_happened"] == [None, "[39 characters]"]
    assert "bus" not in str(event.changes)


def test_sending_the_report_deletes_the_draft(client_for, school, staff):
    Draft.objects.create(school=school, user=staff, data={"what_happened": "Left the"})

    client_for(staff).post(url(school), form_data())

    assert not Draft.objects.exists()


def test_the_reporter_sees_their_reports_and_nobody_elses(client_for, school, staff, office):
    mine = make_incident(school, staff)
    make_incident(school, office)

    response = client_for(staff).get(url(school, "mine/"))

    assert [i.reference for i in response.context["page"]] == [mine.reference]


def test_the_confirmation_page_is_the_reporters_own(client_for, school, staff, office, dpo):
    incident = make_incident(school, staff)
    page = f"/s/{school.slug}/incidents/{incident.pk}/reported/"

    assert client_for(staff).get(page).status_code == 200
    assert client_for(dpo).get(page).status_code == 200
    assert client_for(office).get(page).status_code == 404
    assert "Dev Dpo has been told" in client_for(staff).get(page).content.decode()
