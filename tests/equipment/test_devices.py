"""The device register: who may see and change it, adding and editing, bad input, the off-site
refusal for back-up media, filters, and query counts that do not grow with the register.

The helpers at the top are shared by the other device and location test files.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.core.models import AuditEvent
from bastion.equipment import devices
from bastion.equipment.models import Device, Location
from bastion.people.models import Kind, Person

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(NOON, tick=False)


def place(school, name="Server cupboard", **fields) -> Location:
    return Location.objects.create(school=school, name=name, **fields)


def device(school, kind="laptop", asset_tag="LAP-001", **fields) -> Device:
    return Device.objects.create(school=school, kind=kind, asset_tag=asset_tag, **fields)


def adult(school, first="Kit", last="Mercer", **fields) -> Person:
    return Person.objects.create(
        school=school, kind=Kind.STAFF, first_name=first, last_name=last, **fields
    )


def url(school, rest="") -> str:
    return f"/s/{school.slug}/equipment/devices/{rest}"


GOOD = {
    "kind": "laptop",
    "make": "Lenovo",
    "model": "ThinkPad E14",
    "serial": "PF3XK2",
    "asset_tag": "LAP-042",
    "holds_personal_data": "on",
    "encrypted": "on",
    "status": "in_use",
    "purchased_on": "2024-08-30",
}


# ---- who may do what --------------------------------------------------------------------------

VIEWERS = {"siro", "dpo", "it_lead", "office", "trust_admin"}
EDITORS = {"siro", "it_lead", "trust_admin"}
REPORTERS = {"siro", "dpo", "it_lead", "office", "staff", "trust_admin"}
PERSONAS = ["siro", "dpo", "it_lead", "office", "staff", "governor", "trust_admin"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_permission_table_of_the_register(request, client_for, school, persona):
    laptop = device(school)
    client = client_for(request.getfixturevalue(persona))
    see = 200 if persona in VIEWERS else 403
    change = 200 if persona in EDITORS else 403
    assert client.get(url(school)).status_code == see
    assert client.get(url(school, f"{laptop.pk}/")).status_code == see
    assert client.get(url(school, "add/")).status_code == change
    assert client.get(url(school, f"{laptop.pk}/edit/")).status_code == change
    assert client.get(url(school, "import/")).status_code == change
    assert client.get(url(school, "missing/")).status_code == (200 if persona in REPORTERS else 403)
    response = client.post(url(school, f"{laptop.pk}/edit/"), GOOD | {"asset_tag": "LAP-001"})
    assert response.status_code == (302 if persona in EDITORS else 403)
    laptop.refresh_from_db()
    assert (laptop.make == "Lenovo") == (persona in EDITORS)


def test_an_outsider_and_another_schools_devices_answer_404(
    client_for, school, other_school, it_lead, outsider
):
    theirs = device(other_school, asset_tag="BRK-1")
    assert client_for(outsider).get(url(school)).status_code == 404
    client = client_for(it_lead)
    for rest in (f"{theirs.pk}/", f"{theirs.pk}/edit/", f"missing/?device={theirs.pk}"):
        assert client.get(url(school, rest)).status_code == 404
    assert client.post(url(school, f"{theirs.pk}/edit/"), GOOD).status_code == 404
    theirs.refresh_from_db()
    assert theirs.make == ""


# ---- adding and editing -----------------------------------------------------------------------


def test_adding_a_device_records_it_and_the_audit(client_for, school, it_lead):
    cupboard = place(school, lockable=True)
    kit = adult(school)
    data = GOOD | {"location": cupboard.pk, "assigned_to": kit.pk}
    response = client_for(it_lead).post(url(school, "add/"), data)
    assert response.status_code == 302
    laptop = Device.objects.get()
    assert (laptop.asset_tag, laptop.location, laptop.assigned_to) == ("LAP-042", cupboard, kit)
    assert laptop.holds_personal_data and laptop.encrypted
    assert laptop.purchased_on == dt.date(2024, 8, 30)
    event = AuditEvent.objects.get(action="device.created")
    assert event.changes["asset_tag"] == [None, "LAP-042"]
    assert event.changes["location"] == [None, str(cupboard.pk)]


def test_editing_a_device_is_audited_with_before_and_after(client_for, school, it_lead):
    laptop = device(school, asset_tag="LAP-042", make="Lenovo", serial="PF3XK2")
    response = client_for(it_lead).post(
        url(school, f"{laptop.pk}/edit/"), GOOD | {"status": "in_store", "encrypted": ""}
    )
    assert response.status_code == 302
    laptop.refresh_from_db()
    assert (laptop.status, laptop.encrypted) == ("in_store", False)
    event = AuditEvent.objects.get(action="device.updated")
    assert event.changes["status"] == ["in_use", "in_store"]
    assert "serial" not in event.changes


def test_saving_an_unchanged_device_writes_no_audit_event(client_for, school, it_lead):
    laptop = device(school)
    client = client_for(it_lead)
    form = client.get(url(school, f"{laptop.pk}/edit/")).context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, False)}
    data = {k: ("on" if v is True else v) for k, v in data.items() if k in form.fields}
    assert client.post(url(school, f"{laptop.pk}/edit/"), data).status_code == 302
    assert not AuditEvent.objects.filter(action="device.updated").exists()


def test_an_edit_opened_before_the_device_was_reported_stolen_does_not_put_it_back_in_use(
    client_for, school, it_lead, time_machine
):
    laptop = device(school, asset_tag="LAP-042")
    client = client_for(it_lead)
    seen = client.get(url(school, f"{laptop.pk}/edit/")).context["form"]["seen"].value()
    time_machine.shift(dt.timedelta(minutes=3))  # meanwhile, it is reported stolen
    devices.device_report_missing(
        actor=it_lead,
        school=school,
        device=laptop,
        status=Device.Status.STOLEN,
        note="Taken from the staffroom.",
        submission_key=uuid.uuid4(),
    )
    typed = GOOD | {"notes": "New charger fitted", "seen": seen}
    response = client.post(url(school, f"{laptop.pk}/edit/"), typed)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone saved this device after you opened this page" in page
    assert "status" in page.split("Someone saved this device")[1].split("</")[0]
    assert "New charger fitted" in page  # what was typed is kept
    laptop.refresh_from_db()
    assert (laptop.status, laptop.notes) == (Device.Status.STOLEN, "")
    assert not AuditEvent.objects.filter(action="device.updated").exists()
    # Sent again, now knowingly (the form holds the device's version as it is now): saved.
    again = response.context["form"]["seen"].value()
    assert again == devices.version(laptop) != seen
    assert (
        client.post(url(school, f"{laptop.pk}/edit/"), typed | {"seen": again}).status_code == 302
    )
    laptop.refresh_from_db()
    assert laptop.notes == "New charger fitted"


def test_an_edit_that_changes_nothing_someone_else_saved_is_not_refused(
    client_for, school, it_lead, time_machine
):
    laptop = device(school)
    client = client_for(it_lead)
    form = client.get(url(school, f"{laptop.pk}/edit/")).context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, False)}
    data = {k: ("on" if v is True else v) for k, v in data.items() if k in form.fields}
    time_machine.shift(dt.timedelta(minutes=3))
    Device.objects.get(pk=laptop.pk).save()  # saved again meanwhile, nothing different
    response = client.post(url(school, f"{laptop.pk}/edit/"), data | {"seen": form["seen"].value()})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"asset_tag": "LAP-001"}, "Another device already has the asset tag “LAP-001”."),
        ({"asset_tag": " LAP-001 "}, "Another device already has the asset tag “LAP-001”."),
        ({"purchased_on": "2026-12-25"}, "The purchase date cannot be in the future."),
        ({"purchased_on": "31/02/2024"}, "Enter a real date, like 3 March 2025."),
        ({"purchased_on": "1901-01-01"}, "Enter the real purchase date"),
        ({"kind": "toaster"}, "Select a valid choice."),
        ({"kind": ""}, "This field is required."),
        ({"make": "L" * 10_000}, "Ensure this value has at most 80 characters"),
        ({"status": "lost"}, "Select a valid choice."),
        ({"status": "disposed"}, "Select a valid choice."),
        ({"location": "99999999"}, "Select a valid choice."),
        ({"location": "abc"}, "Select a valid choice."),
        ({"manager": "not-a-number"}, "Select a valid choice."),
    ],
)
def test_adding_a_device_with_bad_input_explains_and_changes_nothing(
    client_for, school, it_lead, fields, message
):
    device(school)
    before = list(Device.objects.values())
    response = client_for(it_lead).post(url(school, "add/"), GOOD | fields)
    assert response.status_code == 200
    page = response.content.decode().replace("&#x27;", "'")
    assert "There is a problem" in page
    assert message in page
    assert 'value="PF3XK2"' in page  # nothing typed is lost
    assert list(Device.objects.values()) == before


def test_another_schools_location_and_people_cannot_be_chosen(
    client_for, school, other_school, it_lead
):
    theirs = place(other_school, name="Brookfield safe", lockable=True)
    someone = adult(other_school, first="Otto")
    response = client_for(it_lead).post(
        url(school, "add/"), GOOD | {"location": theirs.pk, "assigned_to": someone.pk}
    )
    assert response.status_code == 200
    assert "Brookfield" not in response.content.decode()
    assert not Device.objects.exists()


def test_back_up_media_never_leave_site(client_for, school, it_lead):
    off_site = place(school, name="Bank deposit box", kind=Location.Kind.OFF_SITE)
    response = client_for(it_lead).post(
        url(school, "add/"), GOOD | {"kind": "backup_tape", "location": off_site.pk}
    )
    assert response.status_code == 200
    assert "Back-up media never leave site" in response.content.decode()
    assert not Device.objects.exists()

    tape = device(school, kind="backup_tape", asset_tag="TAPE-1")
    response = client_for(it_lead).post(
        url(school, f"{tape.pk}/edit/"),
        {"kind": "backup_tape", "asset_tag": "TAPE-1", "status": "in_use", "location": off_site.pk},
    )
    assert "Back-up media never leave site" in response.content.decode()
    tape.refresh_from_db()
    assert tape.location is None
    with pytest.raises(ValidationError, match="never leave site"):
        devices.device_update(
            actor=it_lead, school=school, device=tape, data={"location": off_site}
        )


def test_a_laptop_may_go_off_site_and_a_tape_may_stay_on_site(client_for, school, it_lead):
    off_site = place(school, name="Head's home office", kind=Location.Kind.OFF_SITE)
    safe = place(school, name="Fire safe", kind=Location.Kind.SAFE, lockable=True)
    client = client_for(it_lead)
    assert client.post(url(school, "add/"), GOOD | {"location": off_site.pk}).status_code == 302
    tape = GOOD | {"kind": "backup_tape", "asset_tag": "TAPE-2", "location": safe.pk}
    assert client.post(url(school, "add/"), tape).status_code == 302
    assert Device.objects.count() == 2


def test_a_disposed_device_is_kept_as_a_record_and_not_edited(client_for, school, it_lead):
    old = device(school, status=Device.Status.DISPOSED)
    client = client_for(it_lead)
    response = client.post(url(school, f"{old.pk}/edit/"), GOOD | {"asset_tag": "LAP-001"})
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.make == ""
    with pytest.raises(ValidationError):
        devices.device_update(actor=it_lead, school=school, device=old, data={"make": "X"})


def test_the_edit_form_keeps_a_status_set_elsewhere_but_does_not_offer_it(
    client_for, school, it_lead
):
    lent = device(school, status=Device.Status.ON_LOAN)
    fresh = device(school, asset_tag="LAP-002")
    client = client_for(it_lead)
    offered = dict(
        client.get(url(school, f"{lent.pk}/edit/")).context["form"].fields["status"].choices
    )
    assert "on_loan" in offered and "lost" not in offered
    offered = dict(
        client.get(url(school, f"{fresh.pk}/edit/")).context["form"].fields["status"].choices
    )
    assert not {"on_loan", "lost", "stolen", "disposed"} & offered.keys()


# ---- the list ---------------------------------------------------------------------------------


@pytest.fixture
def register(school):
    cupboard = place(school, lockable=True)
    hall = place(school, name="Hall", lockable=False)
    return {
        "laptop": device(school, make="Lenovo", serial="PF3XK2", holds_personal_data=True),
        "tablet": device(
            school, kind="tablet", asset_tag="TAB-7", make="Apple", location=hall, encrypted=True
        ),
        "server": device(school, kind="server", asset_tag="SRV-1", make="Dell", location=cupboard),
        "copier": device(school, kind="mfd", asset_tag="MFD-1", make="Ricoh", location=hall),
        "old": device(school, asset_tag="LAP-000", status=Device.Status.DISPOSED),
        "lost": device(school, kind="phone", asset_tag="PH-1", status=Device.Status.LOST),
    }


def tags(response) -> list[str]:
    return [d.asset_tag for d, _ in response.context["rows"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["LAP-001", "MFD-1", "PH-1", "SRV-1", "TAB-7"]),
        ("status=all", ["LAP-000", "LAP-001", "MFD-1", "PH-1", "SRV-1", "TAB-7"]),
        ("status=disposed", ["LAP-000"]),
        ("status=lost", ["PH-1"]),
        ("kind=server", ["SRV-1"]),
        ("q=tab", ["TAB-7"]),
        ("q=pf3x", ["LAP-001"]),
        ("q=ricoh", ["MFD-1"]),
        ("q=nothing", []),
        ("location=none", ["LAP-001", "PH-1"]),
        ("problem=unencrypted", ["LAP-001"]),
        ("problem=manager_unchecked", ["SRV-1"]),
        ("problem=server_unlocked", []),
        ("problem=any", ["LAP-001", "SRV-1"]),
        ("kind=toaster&status=zzz&problem=nope&location=abc&page=x", None),
    ],
)
def test_search_and_filters(client_for, school, office, register, query, expected):
    if expected is None:  # bad values are ignored, never a 500
        expected = ["LAP-001", "MFD-1", "PH-1", "SRV-1", "TAB-7"]
    response = client_for(office).get(url(school, f"?{query}"))
    assert response.status_code == 200
    assert sorted(tags(response)) == expected


def test_the_location_filter_lists_the_devices_kept_there(client_for, school, office, register):
    hall = Location.objects.get(name="Hall")
    response = client_for(office).get(url(school), {"location": hall.pk})
    assert sorted(tags(response)) == ["MFD-1", "TAB-7"]


def test_a_search_of_10000_characters_is_not_a_500(client_for, school, office, register):
    assert client_for(office).get(url(school), {"q": "a" * 10_000}).status_code == 200


def test_an_htmx_request_gets_only_the_results_table(client_for, school, office, register):
    response = client_for(office).get(url(school, "?q=srv"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert "<html" not in html and "<form" not in html
    assert "SRV-1" in html and "Lenovo" not in html


def _queries(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


def _add_devices(school, count, start):
    hall = Location.objects.get_or_create(school=school, name="Hall")[0]
    keeper = adult(school, first=f"Keeper{start}")
    Device.objects.bulk_create(
        Device(
            school=school,
            kind=("laptop", "server", "tablet", "backup_disk")[n % 4],
            asset_tag=f"AT-{n:05d}",
            make="Make",
            holds_personal_data=n % 2 == 0,
            location=hall if n % 3 else None,
            manager=keeper if n % 4 == 1 else None,
            assigned_to=keeper if n % 4 == 0 else None,
        )
        for n in range(start, start + count)
    )


@pytest.mark.parametrize(
    "query", ["", "?problem=any", "?problem=manager_unchecked", "?q=at-&kind=server", "?page=3"]
)
def test_the_list_uses_the_same_number_of_queries_for_5_or_300_devices(
    client_for, school, it_lead, query
):
    client = client_for(it_lead)
    address = url(school, query)
    _add_devices(school, 5, 0)
    client.get(address)  # warm the session
    few = _queries(client, address)
    _add_devices(school, 295, 1000)
    many = _queries(client, address)
    assert few == many
    assert many <= 12


def test_the_list_of_5000_devices_answers_in_a_fixed_number_of_queries(client_for, school, it_lead):
    client = client_for(it_lead)
    _add_devices(school, 5, 0)
    client.get(url(school))
    few = _queries(client, url(school))
    _add_devices(school, 4995, 10_000)
    assert _queries(client, url(school)) == few
    assert _queries(client, url(school, "?problem=any&page=40")) == few


def test_a_devices_page_uses_a_fixed_number_of_queries(client_for, school, it_lead):
    server = device(school, kind="server", manager=adult(school), location=place(school))
    client = client_for(it_lead)
    client.get(url(school, f"{server.pk}/"))
    assert (
        _queries(client, url(school, f"{server.pk}/")) <= 14
    )  # with its disposal and its open loan
