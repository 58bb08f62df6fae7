"""T3, T6, T10-T15 computed from the equipment register, against hand-built devices."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.controls.registry import ATTENTION, MET, OVERDUE
from bastion.equipment import controls
from bastion.equipment.models import (
    BackupSet,
    Contractor,
    Device,
    DisposalBatch,
    DisposalItem,
    Loan,
    Location,
    LocationCheck,
    RestoreTest,
)
from bastion.people import scr
from bastion.people.models import Person, SCRCheck

TODAY = dt.date(2026, 11, 27)


def device(school, kind, **fields) -> Device:
    return Device.objects.create(school=school, kind=kind, **fields)


def test_t3_flags_unencrypted_portables_holding_personal_data(school, other_school):
    device(school, "flash_drive", holds_personal_data=True, encrypted=False)
    device(school, "laptop", holds_personal_data=True, encrypted=True)
    device(school, "desktop", holds_personal_data=True)  # not portable
    device(school, "tablet", holds_personal_data=True, status="disposed")  # gone
    device(other_school, "laptop", holds_personal_data=False)
    found = controls.encrypted_portables([school, other_school], TODAY)
    assert found[school.pk].status == ATTENTION
    assert found[school.pk].actions[0].text == (
        "1 portable device holding personal data not encrypted"
    )
    assert found[school.pk].actions[0].url.endswith("/equipment/devices/?problem=unencrypted")
    assert found[other_school.pk].status == MET


def test_t6_tokens_must_be_issued_to_people_still_here(school, other_school):
    assert controls.otp_tokens([school], TODAY)[school.pk].status == ATTENTION
    here = Person.objects.create(school=school, kind="staff", first_name="A", last_name="B")
    gone = Person.objects.create(
        school=school, kind="staff", first_name="C", last_name="D", left_on=dt.date(2026, 1, 1)
    )
    device(school, "otp_token", assigned_to=here)
    device(school, "otp_token", assigned_to=gone)
    device(school, "otp_token")
    held = Person.objects.create(school=other_school, kind="staff", first_name="E", last_name="F")
    device(other_school, "otp_token", assigned_to=held)
    found = controls.otp_tokens([school, other_school], TODAY)
    assert found[school.pk].status == ATTENTION
    assert found[school.pk].actions[0].count == 2
    assert found[school.pk].value == pytest.approx(1 / 3)
    assert found[other_school.pk].status == MET


def test_t10_paper_storage_must_be_lockable_and_checked(school, other_school, it_lead):
    cabinet = Location.objects.create(
        school=school, name="Office cabinet", kind="cabinet", lockable=True, for_paper_records=True
    )
    assert controls.locations_checked([school], TODAY)[school.pk].status == OVERDUE  # never checked
    LocationCheck.objects.create(
        school=school,
        location=cabinet,
        checked_on=TODAY - dt.timedelta(days=5),
        as_expected=True,
        checked_by=it_lead,
    )
    found = controls.locations_checked([school, other_school], TODAY)
    assert found[school.pk].status == MET
    assert found[other_school.pk].status == ATTENTION  # nowhere recorded for paper
    Location.objects.create(school=school, name="Shelf", for_paper_records=True)
    evidence = controls.locations_checked([school], TODAY)[school.pk]
    assert evidence.status == ATTENTION
    assert evidence.actions[0].text == "1 place holding sensitive paper not lockable"


def _clear_manager(school):
    person = Person.objects.create(school=school, kind="staff", first_name="M", last_name="Gr")
    for check in ("identity", "dbs", "barred_list", "right_to_work"):
        SCRCheck.objects.create(
            school=school,
            person=person,
            check_type=check,
            state="done",
            done_on=dt.date(2025, 1, 1),
        )
    scr.refresh_entry(person)
    return person


def test_t11_servers_need_a_lockable_place_and_a_checked_manager(school, other_school):
    assert controls.servers([school], TODAY)[school.pk].status == MET  # no servers
    room = Location.objects.create(school=school, name="Server room", lockable=True)
    unchecked = Person.objects.create(school=school, kind="staff", first_name="U", last_name="N")
    device(school, "server", location=room, manager=_clear_manager(school))
    device(school, "server", manager=unchecked)  # no place, manager unchecked
    found = controls.servers([school, other_school], TODAY)
    assert found[school.pk].status == ATTENTION
    assert [a.text for a in found[school.pk].actions] == [
        "1 server not in a lockable place",
        "1 server whose manager lacks a clear SCR check",
    ]


def _set(school, name, medium, **fields):
    return BackupSet.objects.create(
        school=school, name=name, covers="Admin server", medium=medium, **fields
    )


def test_t12_and_t13_backups_encrypted_fire_proof_tested_and_off_site(
    school, other_school, it_lead
):
    safe = Location.objects.create(
        school=school, name="Safe", kind="safe", lockable=True, fire_proof=True
    )
    tapes = _set(school, "Tapes", "tape", encrypted=True, location=safe)
    cloud = _set(school, "Grid", "cloud", encrypted=True, provider="GridStore", off_site=True)
    found = controls.backups_kept([school, other_school], TODAY)
    assert found[school.pk].status == OVERDUE  # never restored in a test
    assert found[other_school.pk].status == ATTENTION  # no backup at all
    assert controls.off_site_backup([school], TODAY)[school.pk].status == OVERDUE
    for backup_set in (tapes, cloud):
        RestoreTest.objects.create(
            school=school,
            backup_set=backup_set,
            tested_on=TODAY - dt.timedelta(days=10),
            restored="A folder",
            result="success",
            tested_by=it_lead,
        )
    assert controls.backups_kept([school], TODAY)[school.pk].status == MET
    off_site = controls.off_site_backup([school, other_school], TODAY)
    assert off_site[school.pk].status == MET
    assert "Grid (GridStore)" in off_site[school.pk].summary
    assert off_site[other_school.pk].status == ATTENTION
    _set(school, "Disks", "disk", encrypted=False)  # no place, not encrypted, never tested
    evidence = controls.backups_kept([school], TODAY)[school.pk]
    assert evidence.status == OVERDUE
    assert [a.text for a in evidence.actions] == [
        "Restore test overdue: Disks",
        "1 backup set not encrypted",
        "1 set of tapes or disks not in a fire-proof place in school",
    ]
    # A term later the earlier tests are out of date too.
    later = controls.backups_kept([school], TODAY + dt.timedelta(days=200))[school.pk]
    assert later.actions[0].text == "Restore test overdue: Disks, Grid, Tapes"


def _batch(school, user, contractor, **fields):
    number = DisposalBatch.objects.filter(school=school).count() + 1
    return DisposalBatch.objects.create(
        school=school, number=number, contractor=contractor, created_by=user, **fields
    )


def test_t14_disposals_go_through_the_register_with_certificates(school, other_school, it_lead):
    found = controls.disposals([school], TODAY)[school.pk]
    assert found.status == ATTENTION  # no approved contractor
    contractor = Contractor.objects.create(
        school=school, name="Safe Shred Ltd", waste_carrier_registration="CBDU1"
    )
    assert controls.disposals([school], TODAY)[school.pk].status == MET
    done = _batch(school, it_lead, contractor, status="completed", collected_on=TODAY)
    certified = device(school, "laptop", holds_personal_data=True, status="disposed")
    DisposalItem.objects.create(
        school=school, batch=done, device=certified, certificate_number="C-1"
    )  # a number but no file: not certified
    device(school, "tablet", status="disposed")  # outside the register
    _batch(school, it_lead, contractor, collected_on=TODAY - dt.timedelta(days=3))
    found = controls.disposals([school, other_school], TODAY)
    assert found[school.pk].status == ATTENTION
    assert [a.text for a in found[school.pk].actions] == [
        "1 device disposed of outside the register",
        "1 device that held data disposed of without a certificate",
        "1 collected disposal waiting for certificates to be completed",
    ]


def test_t15_loaned_devices_follow_the_same_disposal(school, other_school, it_lead):
    borrower = Person.objects.create(school=school, kind="staff", first_name="L", last_name="N")
    lent = device(school, "laptop", holds_personal_data=True)
    Loan.objects.create(
        school=school,
        device=lent,
        borrower=borrower,
        out_on=dt.date(2025, 1, 6),
        returned_on=dt.date(2025, 7, 1),
        issued_by=it_lead,
    )
    assert controls.loaned_disposals([school], TODAY)[school.pk].status == MET
    Device.objects.filter(pk=lent.pk).update(status="disposed")
    device(school, "tablet", status="disposed")  # never loaned: T14's business, not T15's
    found = controls.loaned_disposals([school, other_school], TODAY)
    assert found[school.pk].status == ATTENTION
    assert [a.text for a in found[school.pk].actions] == [
        "1 loaned device disposed of outside the register"
    ]
    assert found[other_school.pk].status == MET


@pytest.mark.parametrize(
    ("func", "queries"),
    [
        (controls.encrypted_portables, 2),
        (controls.otp_tokens, 1),
        (controls.locations_checked, 3),
        (controls.servers, 3),
        (controls.backups_kept, 1),
        (controls.off_site_backup, 1),
        (controls.disposals, 3),
        (controls.loaned_disposals, 1),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_equipment_evaluators_use_a_fixed_number_of_queries(
    func, queries, school, other_school, it_lead, django_assert_num_queries
):
    safe = Location.objects.create(school=school, name="Safe", lockable=True, fire_proof=True)
    for s in (school, other_school):
        _set(s, f"Set {s.pk}", "tape", location=safe if s == school else None)
        device(s, "server")
    with django_assert_num_queries(queries):
        func([school, other_school], TODAY)
