"""Backup rules (T12, T13): the DfE 3-2-1 standard with hand-built data, the flags on a set
(encryption, fire-proof places, off site), the restore-test period with time travel, and the
services' own refusals.

The helpers at the top are shared by the other backup test files.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from bastion.core.models import AuditEvent
from bastion.equipment import backups
from bastion.equipment.models import BackupSet, Device, EquipmentSettings, Location, RestoreTest

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC), tick=False)


def add_location(school, name="Server room safe", fire_proof=True, **fields) -> Location:
    values = {"kind": Location.Kind.SAFE, "lockable": True, "for_backup_media": True}
    return Location.objects.create(
        school=school, name=name, fire_proof=fire_proof, **(values | fields)
    )


def add_set(school, name, medium, **fields) -> BackupSet:
    values = {
        "covers": "Admin server",
        "encrypted": True,
        "off_site": medium == "cloud",
        "provider": "Grid for Learning" if medium == "cloud" else "",
    }
    return BackupSet.objects.create(school=school, name=name, medium=medium, **(values | fields))


def restore(backup_set, actor, on=dt.date(2026, 2, 2), result="success") -> RestoreTest:
    return RestoreTest.objects.create(
        school=backup_set.school,
        backup_set=backup_set,
        tested_on=on,
        restored="The finance folder",
        result=result,
        tested_by=actor,
    )


def flags_of(backup_set, period=120, today=None) -> list[str]:
    annotated = backups.backup_sets(backup_set.school).get(pk=backup_set.pk)
    return backups.flags(annotated, period, today)


def page_text(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


# ---- the DfE standard: three backups, two kinds of media, one off site -------------------------


@pytest.mark.parametrize(
    ("media", "met"),
    [
        ([], (False, False, False)),
        (["tape", "disk", "cloud"], (True, True, True)),
        (["tape", "tape", "tape"], (True, False, False)),
        (["disk", "cloud"], (False, True, True)),
        (["cloud", "cloud", "cloud"], (True, False, True)),
        (["disk", "disk", "tape", "tape"], (True, True, False)),
    ],
)
def test_each_part_of_three_two_one_is_met_or_not(school, media, met, django_assert_num_queries):
    for n, medium in enumerate(media):
        add_set(school, f"Set {n}", medium)
    with django_assert_num_queries(1):
        result = backups.three_two_one(school)
    assert (result.copies.met, result.media.met, result.off_site.met) == met
    assert result.met == all(met)


def test_three_two_one_gives_the_reason_for_each_part(school):
    add_set(school, "Nightly disk", "disk")
    add_set(school, "Weekly disk", "disk")
    result = backups.three_two_one(school)
    assert (
        result.copies.reason
        == "Only 2 backup sets are in use: the standard asks for at least three."
    )
    assert result.media.reason == "Every backup is on disk: add a second kind of medium."
    assert result.off_site.reason.startswith("No copy is off site: add a cloud / off-site service")

    add_set(school, "Grid cloud", "cloud")
    result = backups.three_two_one(school)
    assert result.copies.reason == "3 backup sets are in use."
    assert result.media.reason == "Backups are on disk and cloud / off-site service."
    assert result.off_site.reason == "Off site: Grid cloud."
    assert [label for label, _ in result.parts] == [
        "At least three backups",
        "On two kinds of media",
        "One off site",
    ]


def test_retired_sets_and_other_schools_sets_do_not_count(school, other_school):
    add_set(school, "Tape", "tape")
    add_set(school, "Disk", "disk")
    add_set(school, "Old cloud", "cloud", active=False)
    add_set(other_school, "Their cloud", "cloud")
    result = backups.three_two_one(school)
    assert (result.copies.met, result.media.met, result.off_site.met) == (False, True, False)


def test_a_tape_marked_off_site_against_the_rules_is_not_the_off_site_copy(school):
    for n, medium in enumerate(["tape", "disk", "tape"]):
        add_set(school, f"Set {n}", medium, off_site=True)
    assert not backups.three_two_one(school).off_site.met


# ---- flags on a set ---------------------------------------------------------------------------


def test_a_well_kept_set_has_no_flags(school, it_lead):
    tape = add_set(school, "Weekly tape", "tape", location=add_location(school))
    restore(tape, it_lead)
    cloud = add_set(school, "Cloud", "cloud")
    restore(cloud, it_lead)
    assert flags_of(tape) == []
    assert flags_of(cloud) == []


def test_an_unencrypted_set_is_flagged(school, it_lead):
    cloud = add_set(school, "Cloud", "cloud", encrypted=False)
    restore(cloud, it_lead)
    assert flags_of(cloud) == ["Not encrypted: backups must be encrypted (T12)."]


def test_on_site_media_outside_a_fire_proof_place_are_flagged(school, it_lead):
    nowhere = add_set(school, "Tape", "tape")
    cupboard = add_set(
        school, "Disk", "disk", location=add_location(school, "Office cupboard", fire_proof=False)
    )
    for item in (nowhere, cupboard):
        restore(item, it_lead)
    assert flags_of(nowhere) == [
        "No location recorded: keep the media in a fire-proof place (T12)."
    ]
    assert flags_of(cupboard) == ["Kept in Office cupboard, which is not fire-proof (T12)."]


def test_a_tape_set_marked_off_site_against_the_rules_is_flagged(school, it_lead):
    tape = add_set(school, "Tape", "tape", location=add_location(school), off_site=True)
    restore(tape, it_lead)
    assert flags_of(tape) == [
        "Marked as off site: backup tapes and disks never leave the site (T12)."
    ]


def test_a_retired_set_is_not_flagged(school):
    assert flags_of(add_set(school, "Old", "tape", encrypted=False, active=False)) == []


# ---- the restore-test period ------------------------------------------------------------------


def test_a_set_never_restored_in_a_test_is_overdue_at_once(school):
    cloud = add_set(school, "Cloud", "cloud")
    assert flags_of(cloud) == ["Never restored in a test: test that the backup can be restored."]
    assert backups.overdue_sets() == {school.pk: [cloud]}


def test_a_successful_restore_test_lasts_the_schools_period_to_the_day(school, it_lead):
    cloud = add_set(school, "Cloud", "cloud")
    restore(cloud, it_lead, on=dt.date(2026, 1, 5))
    period = backups.equipment_settings(school).restore_test_days
    assert period == 120  # a term, by default
    with time_machine.travel(dt.datetime(2026, 5, 5, 12, tzinfo=dt.UTC), tick=False):
        assert flags_of(cloud, period) == []
        assert backups.overdue_sets() == {}
    with time_machine.travel(dt.datetime(2026, 5, 6, 12, tzinfo=dt.UTC), tick=False):
        assert flags_of(cloud, period) == [
            "No successful restore test since 5 January 2026: one is due at least every 120 days."
        ]
        assert list(backups.overdue_sets()) == [school.pk]


def test_failed_and_partial_restore_tests_do_not_count(school, it_lead):
    cloud = add_set(school, "Cloud", "cloud")
    restore(cloud, it_lead, on=dt.date(2025, 9, 1))
    restore(cloud, it_lead, on=dt.date(2026, 2, 1), result="failed")
    restore(cloud, it_lead, on=dt.date(2026, 2, 2), result="partial")
    assert "No successful restore test since 1 September 2025" in flags_of(cloud)[0]


def test_the_schools_own_period_applies(school, other_school, it_lead, outsider):
    ours = add_set(school, "Ours", "cloud")
    theirs = add_set(other_school, "Theirs", "cloud")
    restore(ours, it_lead, on=dt.date(2026, 1, 5))
    restore(theirs, outsider, on=dt.date(2026, 1, 5))
    EquipmentSettings.objects.create(school=school, restore_test_days=30)
    assert backups.overdue_sets() == {school.pk: [ours]}
    assert backups.overdue_sets([other_school.pk]) == {}


def test_the_service_refuses_another_schools_location(school, other_school, it_lead):
    with pytest.raises(ValidationError) as refused:
        backups.backup_set_create(
            actor=it_lead,
            school=school,
            data={
                "name": "T",
                "covers": "x",
                "medium": "tape",
                "location": add_location(other_school),
            },
        )
    assert refused.value.message_dict == {"location": ["Choose a location of this school."]}


def test_changing_one_field_through_the_service_keeps_the_sets_tapes(school, it_lead):
    tapes = [
        Device.objects.create(school=school, kind="backup_tape", asset_tag=f"T{n}") for n in (1, 2)
    ]
    tape = backups.backup_set_create(
        actor=it_lead,
        school=school,
        data={"name": "Tape", "covers": "MIS", "medium": "tape", "media": tapes},
    )
    backups.backup_set_update(
        actor=it_lead, school=school, backup_set=tape, data={"location": add_location(school)}
    )
    assert set(tape.media.all()) == set(tapes)
    assert "media" not in AuditEvent.objects.get(action="backup_set.updated").changes
