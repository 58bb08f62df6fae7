"""The backup register's pages: recording sets (the off-site refusal, fire-proof places, media),
restore tests and the period setting; who may see and change; bad input; the list's queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.core.models import AuditEvent
from bastion.equipment import backups
from bastion.equipment.models import BackupSet, Device, EquipmentSettings, RestoreTest
from tests.equipment.test_backups_rules import add_location, add_set, page_text, restore

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC), tick=False)


def test_the_form_offers_tapes_and_disks_only_when_the_register_has_some(
    client_for, school, it_lead
):
    client = client_for(it_lead)
    assert "Tapes or disks in this set" not in page_text(
        client.get(f"/s/{school.slug}/backups/add/")
    )
    Device.objects.create(school=school, kind="backup_disk", asset_tag="D1")
    Device.objects.create(school=school, kind="laptop", asset_tag="L1")
    text = page_text(client.get(f"/s/{school.slug}/backups/add/"))
    assert "Backup disk (D1)" in text and "(L1)" not in text  # (not "L1": a nonce may hold it)


# ---- recording sets: the off-site rule, fire-proof places, media ------------------------------


def tape_form(location=None, **fields) -> dict:
    data = {
        "name": "Weekly tape",
        "covers": "Admin server and MIS",
        "medium": "tape",
        "schedule": "Every Friday",
        "encrypted": "on",
        "location": location.pk if location else "",
    }
    return data | fields


def cloud_form(**fields) -> dict:
    data = {
        "name": "Grid cloud backup",
        "covers": "Admin server",
        "medium": "cloud",
        "schedule": "Nightly",
        "encrypted": "on",
        "provider": "London Grid for Learning",
    }
    return data | fields


def test_adding_a_tape_set_in_a_fire_proof_place_records_it_and_the_audit(
    client_for, school, it_lead
):
    safe = add_location(school)
    tapes = [
        Device.objects.create(school=school, kind="backup_tape", asset_tag=f"T{n}") for n in (1, 2)
    ]
    response = client_for(it_lead).post(
        f"/s/{school.slug}/backups/add/", tape_form(safe, media=[t.pk for t in tapes])
    )
    assert response.status_code == 302
    tape = BackupSet.objects.get()
    assert (tape.medium, tape.location, tape.off_site, tape.encrypted) == (
        "tape",
        safe,
        False,
        True,
    )
    assert set(tape.media.all()) == set(tapes)
    event = AuditEvent.objects.get(action="backup_set.created")
    assert event.changes["location"] == [None, str(safe.pk)]
    assert event.changes["media"] == [[], sorted(t.pk for t in tapes)]
    assert response["Location"] == f"/s/{school.slug}/backups/{tape.pk}/"


@pytest.mark.parametrize("medium", ["tape", "disk"])
def test_marking_tapes_or_disks_as_off_site_is_refused(client_for, school, it_lead, medium):
    response = client_for(it_lead).post(
        f"/s/{school.slug}/backups/add/",
        tape_form(add_location(school), medium=medium, off_site="on"),
    )
    assert response.status_code == 200
    assert backups.OFF_SITE_REFUSED in page_text(response)
    assert not BackupSet.objects.exists()


def test_an_existing_tape_set_cannot_be_moved_off_site(client_for, school, it_lead):
    safe = add_location(school)
    tape = add_set(school, "Weekly tape", "tape", location=safe)
    client = client_for(it_lead)
    response = client.post(
        f"/s/{school.slug}/backups/{tape.pk}/edit/", tape_form(safe, off_site="on", active="on")
    )
    assert backups.OFF_SITE_REFUSED in page_text(response)
    house = add_location(school, "Head's house", kind="off_site")
    response = client.post(
        f"/s/{school.slug}/backups/{tape.pk}/edit/", tape_form(house, active="on")
    )
    assert "Choose a place from the list." in page_text(response)  # off-site places not offered
    with pytest.raises(ValidationError, match="Backup tapes and disks are kept on site"):
        backups.backup_set_update(
            actor=it_lead, school=school, backup_set=tape, data={"location": house}
        )
    tape.refresh_from_db()
    assert (tape.off_site, tape.location) == (False, safe)
    assert not AuditEvent.objects.filter(action="backup_set.updated").exists()


def test_a_cloud_set_is_the_off_site_copy_and_needs_its_service(client_for, school, it_lead):
    client = client_for(it_lead)
    response = client.post(f"/s/{school.slug}/backups/add/", cloud_form(provider=""))
    assert "Enter the cloud or off-site service used." in page_text(response)
    response = client.post(f"/s/{school.slug}/backups/add/", cloud_form())  # box left unticked
    assert response.status_code == 302
    assert BackupSet.objects.get().off_site is True


def test_a_cloud_set_has_no_place_or_tapes_in_school(client_for, school, it_lead):
    tape = Device.objects.create(school=school, kind="backup_tape", asset_tag="T1")
    response = client_for(it_lead).post(
        f"/s/{school.slug}/backups/add/",
        cloud_form(location=add_location(school).pk, media=[tape.pk]),
    )
    text = page_text(response)
    assert "A cloud / off-site service has no place in school." in text
    assert "A cloud / off-site service has no tapes or disks." in text
    assert not BackupSet.objects.exists()


def test_a_tape_set_holds_only_tapes(client_for, school, it_lead):
    disk = Device.objects.create(school=school, kind="backup_disk", asset_tag="D1")
    laptop = Device.objects.create(school=school, kind="laptop", asset_tag="L1")
    client = client_for(it_lead)
    response = client.post(f"/s/{school.slug}/backups/add/", tape_form(media=[disk.pk]))
    assert "Choose only backup tapes for a tape set: Backup disk (D1) is not one." in page_text(
        response
    )
    response = client.post(f"/s/{school.slug}/backups/add/", tape_form(media=[laptop.pk]))
    assert "Choose tapes or disks from the list." in page_text(response)
    assert not BackupSet.objects.exists()


def test_editing_a_set_is_audited_with_before_and_after_and_can_retire_it(
    client_for, school, it_lead
):
    safe = add_location(school)
    tape = add_set(school, "Weekly tape", "tape", location=safe, encrypted=False)
    response = client_for(it_lead).post(
        f"/s/{school.slug}/backups/{tape.pk}/edit/", tape_form(safe, name="Friday tape")
    )
    assert response.status_code == 302
    tape.refresh_from_db()
    assert (tape.name, tape.encrypted, tape.active) == ("Friday tape", True, False)
    changes = AuditEvent.objects.get(action="backup_set.updated").changes
    assert changes == {
        "name": ["Weekly tape", "Friday tape"],
        "encrypted": [False, True],
        "active": [True, False],
        "covers": ["Admin server", "Admin server and MIS"],
        "schedule": ["", "Every Friday"],
    }


# ---- pages: who may see and change ------------------------------------------------------------

PERSONAS = ["siro", "dpo", "it_lead", "office", "staff", "governor", "trust_admin"]
VIEWERS = {"siro", "dpo", "it_lead", "office", "trust_admin"}
EDITORS = {"siro", "it_lead", "trust_admin"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_permission_table_of_backups(request, client_for, school, persona):
    client = client_for(request.getfixturevalue(persona))
    see = 200 if persona in VIEWERS else 403
    change = 200 if persona in EDITORS else 403
    done = 302 if persona in EDITORS else 403
    cloud = add_set(school, "Cloud", "cloud")
    base = f"/s/{school.slug}/backups/"
    assert client.get(base).status_code == see
    assert client.get(f"{base}{cloud.pk}/").status_code == see
    assert client.get(f"{base}add/").status_code == change
    assert client.get(f"{base}{cloud.pk}/edit/").status_code == change
    assert client.get(f"{base}{cloud.pk}/restore-tests/add/").status_code == change
    assert client.get(f"/s/{school.slug}/equipment/settings/").status_code == change

    assert client.post(f"{base}add/", tape_form()).status_code == done
    assert client.post(f"{base}{cloud.pk}/edit/", cloud_form(active="on")).status_code == done
    test = {"tested_on": "2026-03-01", "restored": "MIS database", "result": "success"}
    assert client.post(f"{base}{cloud.pk}/restore-tests/add/", test).status_code == done
    settings = {"restore_test_days": "60"}
    assert client.post(f"/s/{school.slug}/equipment/settings/", settings).status_code == done
    changed = persona in EDITORS
    assert BackupSet.objects.count() == (2 if changed else 1)
    assert RestoreTest.objects.exists() == changed
    assert EquipmentSettings.objects.filter(restore_test_days=60).exists() == changed


def test_an_outsider_and_another_schools_sets_answer_404(
    client_for, school, other_school, it_lead, outsider
):
    theirs = add_set(other_school, "Theirs", "cloud")
    assert client_for(outsider).get(f"/s/{school.slug}/backups/").status_code == 404
    client = client_for(it_lead)
    for url in ("", "edit/", "restore-tests/add/"):
        assert client.get(f"/s/{school.slug}/backups/{theirs.pk}/{url}").status_code == 404
    test = {"tested_on": "2026-03-01", "restored": "MIS", "result": "success"}
    response = client.post(f"/s/{school.slug}/backups/{theirs.pk}/restore-tests/add/", test)
    assert response.status_code == 404
    assert not RestoreTest.objects.exists()


def test_another_schools_location_cannot_be_chosen(client_for, school, other_school, it_lead):
    response = client_for(it_lead).post(
        f"/s/{school.slug}/backups/add/", tape_form(add_location(other_school))
    )
    assert "Choose a place from the list." in page_text(response)
    assert not BackupSet.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Enter a name for the backup set."),
        ({"name": "x" * 10_000}, "Ensure this value has at most 120 characters"),
        ({"covers": ""}, "Enter what the backup covers."),
        ({"medium": ""}, "Choose the medium: tape, disk, or a cloud / off-site service."),
        ({"medium": "floppy"}, "Choose the medium: tape, disk, or a cloud / off-site service."),
        ({"location": "abc"}, "Choose a place from the list."),
        ({"media": ["abc"]}, "is not a valid value"),
    ],
)
def test_adding_a_set_with_bad_input_explains_and_changes_nothing(
    client_for, school, it_lead, fields, message
):
    Device.objects.create(school=school, kind="backup_tape", asset_tag="T1")
    response = client_for(it_lead).post(f"/s/{school.slug}/backups/add/", tape_form() | fields)
    assert response.status_code == 200
    text = page_text(response)
    assert "There is a problem" in text
    assert message in text
    assert not BackupSet.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tested_on": ""}, "Enter the date of the test."),
        ({"tested_on": "2026-02-31"}, "Enter a real date, like 2 March 2026."),
        ({"tested_on": "2026-03-03"}, "The test date cannot be in the future."),
        ({"tested_on": "1999-01-01"}, "Enter a date after 1 January 2000."),
        ({"restored": ""}, "Enter what was restored."),
        ({"result": ""}, "Choose the result of the test."),
        ({"result": "maybe"}, "Choose the result of the test."),
        ({"note": "x" * 501}, "Ensure this value has at most 500 characters"),
    ],
)
def test_a_restore_test_with_bad_input_explains_and_changes_nothing(
    client_for, school, it_lead, fields, message
):
    cloud = add_set(school, "Cloud", "cloud")
    good = {"tested_on": "2026-03-01", "restored": "MIS database", "result": "success"}
    response = client_for(it_lead).post(
        f"/s/{school.slug}/backups/{cloud.pk}/restore-tests/add/", good | fields
    )
    assert response.status_code == 200
    assert message in page_text(response)
    assert not RestoreTest.objects.exists()


def test_a_restore_test_is_recorded_in_the_testers_name_and_clears_the_flag(
    client_for, school, it_lead, office
):
    cloud = add_set(school, "Cloud", "cloud")
    response = client_for(it_lead).post(
        f"/s/{school.slug}/backups/{cloud.pk}/restore-tests/add/",
        {"tested_on": "2026-03-01", "restored": "MIS database", "result": "success"},
    )
    assert response.status_code == 302
    test = RestoreTest.objects.get()
    assert (test.tested_by, test.school, test.backup_set) == (it_lead, school, cloud)
    assert AuditEvent.objects.get(action="restore_test.recorded").changes["result"] == [
        None,
        "success",
    ]
    text = page_text(client_for(office).get(f"/s/{school.slug}/backups/{cloud.pk}/"))
    assert "Ira Itlead" in text and "MIS database" in text
    assert "Needs attention" not in text
    assert "Record a restore test" not in text  # the office may look, not change


@pytest.mark.parametrize("days", ["", "abc", "6", "731", "-5", "99999"])
def test_settings_with_bad_input_explain_and_change_nothing(client_for, school, it_lead, days):
    response = client_for(it_lead).post(
        f"/s/{school.slug}/equipment/settings/",
        {"restore_test_days": days},
    )
    assert response.status_code == 200
    assert "Enter a number of days from 7 to 730." in page_text(response)
    assert not EquipmentSettings.objects.exists()


def test_a_shorter_period_flags_a_set_on_the_list(client_for, school, it_lead):
    cloud = add_set(school, "Cloud", "cloud")
    restore(cloud, it_lead, on=dt.date(2026, 1, 5))
    client = client_for(it_lead)
    assert "Fine" in page_text(client.get(f"/s/{school.slug}/backups/"))
    client.post(
        f"/s/{school.slug}/equipment/settings/",
        {"restore_test_days": "30"},
    )
    text = page_text(client.get(f"/s/{school.slug}/backups/"))
    assert "No successful restore test since 5 January 2026" in text
    assert "every 30 days" in text
    event = AuditEvent.objects.get(action="equipment.settings_changed")
    assert event.changes == {"restore_test_days": [120, 30]}


def test_the_list_shows_the_standard_and_the_flags(client_for, school, it_lead, dpo):
    add_set(school, "Weekly tape", "tape", location=add_location(school, "Hall cupboard", False))
    add_set(school, "Cloud", "cloud")
    text = page_text(client_for(dpo).get(f"/s/{school.slug}/backups/"))
    assert "Only 2 backup sets are in use" in text
    assert "Backups are on tape and cloud / off-site service." in text
    assert "Kept in Hall cupboard, which is not fire-proof (T12)." in text
    assert "Add a backup set" not in text


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_uses_the_same_number_of_queries_for_5_or_300_sets(client_for, school, it_lead):
    places = [add_location(school, f"Safe {n}", fire_proof=n % 2 == 0) for n in range(3)]

    def add(count, start):
        sets = BackupSet.objects.bulk_create(
            BackupSet(
                school=school,
                name=f"Set {n}",
                covers="Server",
                medium=["tape", "disk", "cloud"][n % 3],
                location=places[n % 3] if n % 3 != 2 else None,
                encrypted=n % 4 != 0,
                active=n % 5 != 0,
            )
            for n in range(start, start + count)
        )
        RestoreTest.objects.bulk_create(
            RestoreTest(
                school=school,
                backup_set=s,
                tested_on=dt.date(2025, 9, 1) + dt.timedelta(days=n),
                restored="Files",
                result="success" if n % 2 else "failed",
                tested_by=it_lead,
            )
            for n, s in enumerate(sets)
        )

    client = client_for(it_lead)
    url = f"/s/{school.slug}/backups/"
    add(5, 0)
    client.get(url)  # warm the session
    few = _list_queries(client, url)
    add(300, 1000)
    many = _list_queries(client, url)
    assert few == many
    assert many <= 10
