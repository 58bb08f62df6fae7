"""Locations (T10, T11): who may see and change them, adding, editing, recording checks, when a
check is due, the school's check period, bad input, and fixed query counts on the list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.core.models import AuditEvent
from bastion.equipment.models import Device, EquipmentSettings, Location, LocationCheck
from tests.equipment.test_devices import device, place

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC), tick=False)


def url(school, rest="") -> str:
    return f"/s/{school.slug}/equipment/locations/{rest}"


def checked(location, user, days_ago, as_expected=True) -> LocationCheck:
    return LocationCheck.objects.create(
        school=location.school,
        location=location,
        checked_on=TODAY - dt.timedelta(days=days_ago),
        as_expected=as_expected,
        checked_by=user,
    )


GOOD = {
    "name": "Server cupboard",
    "kind": "cabinet",
    "lockable": "on",
    "for_servers": "on",
    "notes": "Key with the business manager",
}

VIEWERS = {"siro", "dpo", "it_lead", "office", "trust_admin"}
EDITORS = {"siro", "it_lead", "trust_admin"}
PERSONAS = ["siro", "dpo", "it_lead", "office", "staff", "governor", "trust_admin"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_permission_table_of_the_locations(request, client_for, school, persona):
    safe = place(school, "Office safe", kind="safe", lockable=True)
    client = client_for(request.getfixturevalue(persona))
    see = 200 if persona in VIEWERS else 403
    change = 200 if persona in EDITORS else 403
    assert client.get(url(school)).status_code == see
    assert client.get(url(school, f"{safe.pk}/")).status_code == see
    for rest in ("add/", f"{safe.pk}/edit/", f"{safe.pk}/check/", "settings/"):
        assert client.get(url(school, rest)).status_code == change
    response = client.post(
        url(school, f"{safe.pk}/check/"), {"checked_on": "2026-03-01", "as_expected": "yes"}
    )
    assert response.status_code == (302 if persona in EDITORS else 403)
    assert LocationCheck.objects.exists() == (persona in EDITORS)


def test_another_schools_locations_answer_404(client_for, school, other_school, it_lead, outsider):
    theirs = place(other_school, "Brookfield safe", lockable=True)
    assert client_for(outsider).get(url(school)).status_code == 404
    client = client_for(it_lead)
    for rest in ("", "edit/", "check/"):
        assert client.get(url(school, f"{theirs.pk}/{rest}")).status_code == 404
    response = client.post(url(school, f"{theirs.pk}/check/"), {"checked_on": "2026-03-01"})
    assert response.status_code == 404
    assert not LocationCheck.objects.exists()


# ---- adding and editing -----------------------------------------------------------------------


def test_adding_a_location_records_it_and_the_audit(client_for, school, it_lead):
    response = client_for(it_lead).post(url(school, "add/"), GOOD)
    assert response.status_code == 302
    cupboard = Location.objects.get()
    assert (cupboard.kind, cupboard.lockable, cupboard.for_servers) == ("cabinet", True, True)
    event = AuditEvent.objects.get(action="location.created")
    assert event.changes["name"] == [None, "Server cupboard"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Enter the name of the location."),
        ({"name": "server CUPBOARD"}, "There is already a location called “server CUPBOARD”."),
        ({"name": "N" * 121}, "Ensure this value has at most 120 characters"),
        ({"kind": "attic"}, "Select a valid choice."),
        ({"kind": "off_site", "for_backup_media": "on"}, "Back-up media never leave site"),
        ({"notes": "n" * 501}, "Ensure this value has at most 500 characters"),
    ],
)
def test_adding_a_location_with_bad_input_explains_and_changes_nothing(
    client_for, school, it_lead, fields, message
):
    place(school, "Server cupboard")
    before = list(Location.objects.values())
    response = client_for(it_lead).post(url(school, "add/"), GOOD | {"name": "Safe"} | fields)
    assert response.status_code == 200
    page = response.content.decode().replace("&#x27;", "'")
    assert "There is a problem" in page and message in page
    assert "Key with the business manager" in page or "notes" in fields  # nothing typed is lost
    assert list(Location.objects.values()) == before


def test_editing_a_location_is_audited_with_before_and_after(client_for, school, it_lead):
    cupboard = place(school, "Server cupboard", kind="cabinet")
    response = client_for(it_lead).post(url(school, f"{cupboard.pk}/edit/"), GOOD)
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="location.updated")
    assert event.changes["lockable"] == [False, True]


def test_a_location_holding_back_up_media_cannot_become_off_site(client_for, school, it_lead):
    safe = place(school, "Fire safe", kind="safe", lockable=True, fire_proof=True)
    device(school, "backup_disk", "DISK-1", location=safe)
    response = client_for(it_lead).post(
        url(school, f"{safe.pk}/edit/"), {"name": "Fire safe", "kind": "off_site", "lockable": "on"}
    )
    assert "Back-up media are kept here, and back-up media never leave site." in (
        response.content.decode()
    )
    safe.refresh_from_db()
    assert safe.kind == "safe"


def test_a_location_with_devices_cannot_be_archived_until_they_move(client_for, school, it_lead):
    hall = place(school, "Hall")
    laptop = device(school, location=hall)
    client = client_for(it_lead)
    data = {"name": "Hall", "kind": "room", "archived": "on"}
    response = client.post(url(school, f"{hall.pk}/edit/"), data)
    assert "Devices are kept here: move them before archiving it." in response.content.decode()
    laptop.status = Device.Status.DISPOSED
    laptop.save()
    assert client.post(url(school, f"{hall.pk}/edit/"), data).status_code == 302
    hall.refresh_from_db()
    assert hall.archived
    assert [r[0] for r in client.get(url(school)).context["rows"]] == []
    assert [r[0] for r in client.get(url(school, "?status=archived")).context["rows"]] == [hall]


def test_a_location_shows_what_it_lacks_for_what_it_may_hold(client_for, school, it_lead):
    hall = place(school, "Hall", for_paper_records=True, for_servers=True, for_backup_media=True)
    page = client_for(it_lead).get(url(school, f"{hall.pk}/")).content.decode()
    assert "sensitive paper records but is not lockable (T10)" in page
    assert "servers but is not lockable (T11)" in page
    assert "back-up media but is not both lockable and fire-proof (T12)" in page


# ---- checks -----------------------------------------------------------------------------------


def test_recording_a_check_shows_who_and_when_and_is_audited(client_for, school, it_lead):
    safe = place(school, "Office safe", kind="safe", lockable=True)
    client = client_for(it_lead)
    response = client.post(
        url(school, f"{safe.pk}/check/"), {"checked_on": "2026-03-01", "as_expected": "yes"}
    )
    assert response.status_code == 302
    check = LocationCheck.objects.get()
    assert (check.checked_on, check.as_expected, check.checked_by) == (
        dt.date(2026, 3, 1),
        True,
        it_lead,
    )
    page = client.get(url(school, f"{safe.pk}/")).content.decode()
    assert "1 March 2026" in page and "Ira Itlead" in page
    assert "30 May 2026" in page  # the next check, 90 days on
    event = AuditEvent.objects.get(action="location.checked")
    assert event.changes == {"checked_on": "2026-03-01", "as_expected": True, "note": ""}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"checked_on": "2026-03-03", "as_expected": "yes"}, "The check cannot be in the future."),
        ({"checked_on": "2023-01-01", "as_expected": "yes"}, "within the last two years"),
        ({"checked_on": "30/02/2026", "as_expected": "yes"}, "Enter a real date"),
        ({"checked_on": "", "as_expected": "yes"}, "Give the date of the check."),
        ({"checked_on": "2026-03-01"}, "Say whether it was locked, as expected."),
        ({"checked_on": "2026-03-01", "as_expected": "maybe"}, "Select a valid choice."),
        ({"checked_on": "2026-03-01", "as_expected": "no"}, "Say what was wrong"),
        ({"checked_on": "2026-03-01", "as_expected": "no", "note": "x" * 501}, "at most 500"),
    ],
)
def test_a_bad_check_explains_and_records_nothing(client_for, school, it_lead, data, message):
    safe = place(school, "Office safe", kind="safe", lockable=True)
    response = client_for(it_lead).post(url(school, f"{safe.pk}/check/"), data)
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not LocationCheck.objects.exists()


def test_a_check_that_found_a_problem_is_shown_on_the_list(client_for, school, it_lead):
    safe = place(school, "Office safe", kind="safe", lockable=True)
    client = client_for(it_lead)
    client.post(
        url(school, f"{safe.pk}/check/"),
        {"checked_on": "2026-03-02", "as_expected": "no", "note": "Found unlocked; locked it."},
    )
    page = client.get(url(school)).content.decode()
    assert "Not as expected" in page
    assert "Found unlocked; locked it." in client.get(url(school, f"{safe.pk}/")).content.decode()


def test_which_locations_are_due_a_check(client_for, school, it_lead):
    fresh = place(school, "Checked last week", lockable=True)
    checked(fresh, it_lead, 7)
    stale = place(school, "Checked in autumn", lockable=True)
    checked(stale, it_lead, 120)
    checked(stale, it_lead, 90, as_expected=False)
    place(school, "Never checked", lockable=True)
    place(school, "Open shelf", lockable=False)
    place(school, "Bank vault", kind="off_site", lockable=True)
    place(school, "Old cabinet", lockable=True, archived=True)
    client = client_for(it_lead)
    due = client.get(url(school, "?status=due")).context["rows"]
    assert sorted(r[0].name for r in due) == ["Checked in autumn", "Never checked"]
    rows = {r[0].name: r[1:] for r in client.get(url(school)).context["rows"]}
    assert rows["Checked last week"] == (TODAY + dt.timedelta(days=83), False)
    assert rows["Checked in autumn"] == (TODAY, True)
    assert rows["Open shelf"] == (None, False)

    # A shorter period makes last week's check due too.
    client.post(url(school, "settings/"), {"location_check_days": "7"})
    assert EquipmentSettings.objects.get(school=school).location_check_days == 7
    due = client.get(url(school, "?status=due")).context["rows"]
    assert sorted(r[0].name for r in due) == [
        "Checked in autumn",
        "Checked last week",
        "Never checked",
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("6", "Enter a number of days from 7 to 730."),
        ("731", "Enter a number of days from 7 to 730."),
        ("ninety", "Enter a whole number of days, like 90."),
        ("", "Enter a number of days from 7 to 730, like 90."),
    ],
)
def test_a_bad_check_period_explains_and_changes_nothing(
    client_for, school, it_lead, value, message
):
    response = client_for(it_lead).post(url(school, "settings/"), {"location_check_days": value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not EquipmentSettings.objects.exists()


def test_changing_the_check_period_is_audited(client_for, school, it_lead):
    client_for(it_lead).post(url(school, "settings/"), {"location_check_days": "60"})
    event = AuditEvent.objects.get(action="equipment.settings_changed")
    assert event.changes == {"location_check_days": [90, 60]}


# ---- the list's queries -----------------------------------------------------------------------


def _queries(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


def _add_locations(school, user, count, start):
    made = Location.objects.bulk_create(
        Location(school=school, name=f"Cabinet {n}", lockable=n % 2 == 0)
        for n in range(start, start + count)
    )
    LocationCheck.objects.bulk_create(
        LocationCheck(
            school=school,
            location=loc,
            checked_on=TODAY - dt.timedelta(days=n * 40 % 365),
            as_expected=True,
            checked_by=user,
        )
        for n, loc in enumerate(made)
        for _ in range(2)
    )
    Device.objects.bulk_create(
        Device(school=school, kind="laptop", asset_tag=f"L{start}-{n}", location=loc)
        for n, loc in enumerate(made)
    )


@pytest.mark.parametrize("query", ["", "?status=due", "?status=all"])
def test_the_list_uses_the_same_number_of_queries_for_5_or_300_locations(
    client_for, school, it_lead, query
):
    client = client_for(it_lead)
    _add_locations(school, it_lead, 5, 0)
    client.get(url(school, query))
    few = _queries(client, url(school, query))
    _add_locations(school, it_lead, 295, 1000)
    assert _queries(client, url(school, query)) == few
    assert client.get(url(school, query)).context["rows"]  # some rows on the page either way
    assert few <= 10


def test_a_locations_page_uses_a_fixed_number_of_queries(client_for, school, it_lead):
    _add_locations(school, it_lead, 1, 0)
    cabinet = Location.objects.get()
    client = client_for(it_lead)
    client.get(url(school, f"{cabinet.pk}/"))
    few = _queries(client, url(school, f"{cabinet.pk}/"))
    for days in range(40):
        checked(cabinet, it_lead, days)
    assert _queries(client, url(school, f"{cabinet.pk}/")) == few
