"""The rules of taking data off site (P12, T3): encrypted media only, limited in time, staff of
the school, and nobody approves their own removal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from bastion.core.models import AuditEvent
from bastion.offsite import removals
from bastion.offsite.models import Removal
from tests.offsite.conftest import TODAY, add_device, add_staff, data, record

pytestmark = pytest.mark.django_db
Status = Removal.Status


def refused(actor, school, values) -> dict:
    with pytest.raises(ValidationError) as caught:
        removals.removal_request(actor=actor, school=school, data=values)
    assert not Removal.objects.exists()
    return caught.value.message_dict


def test_an_unencrypted_device_is_refused_with_the_policy_s_reason(school, dpo, sam):
    drive = add_device(school, encrypted=False, make="SanDisk", model="Cruzer", asset_tag="FD-99")
    errors = refused(dpo, school, data(sam, drive))
    assert errors["device"] == [
        "SanDisk Cruzer (FD-99) is not encrypted, so no sensitive data may leave school on it "
        "(policy P12, T3). Choose an encrypted device, or use the school's remote access instead."
    ]
    assert not AuditEvent.objects.filter(action__startswith="offsite.").exists()


def test_a_described_medium_must_be_confirmed_encrypted(school, dpo, sam):
    values = data(sam, None, medium="Personal USB stick")
    errors = refused(dpo, school, values)
    assert errors["medium_encrypted"] == [removals.UNENCRYPTED_MEDIUM]

    values["medium_encrypted"] = True
    removal = removals.removal_request(actor=dpo, school=school, data=values)
    assert removal.medium_label == "Personal USB stick" and removal.medium_encrypted


@pytest.mark.parametrize(
    ("kind", "status", "message"),
    [
        ("backup_tape", "in_store", "Backup tapes and disks never leave the site (policy T12)."),
        ("server", "in_use", "is not a portable device or medium"),
        ("laptop", "stolen", "cannot be used: it is recorded as stolen."),
        ("flash_drive", "disposed", "cannot be used: it has been disposed of."),
    ],
)
def test_media_that_may_not_leave_school_are_refused(school, dpo, sam, kind, status, message):
    errors = refused(dpo, school, data(sam, add_device(school, kind, status=status)))
    assert message in errors["device"][0]


def test_a_medium_is_needed_and_only_one(school, dpo, sam):
    assert refused(dpo, school, data(sam))["device"] == [removals.ONE_MEDIUM]
    values = data(sam, add_device(school), medium="Encrypted disk", medium_encrypted=True)
    assert refused(dpo, school, values)["medium"] == [removals.NOT_BOTH]


def test_another_school_s_device_is_refused(school, other_school, dpo, sam):
    errors = refused(dpo, school, data(sam, add_device(other_school)))
    assert errors["device"] == ["Choose a device of this school."]


def test_removal_is_limited_to_thirty_days(school, dpo, sam):
    values = data(sam, add_device(school), due_on=TODAY + dt.timedelta(days=31))
    assert refused(dpo, school, values)["due_on"] == [removals.TOO_LONG]
    values = data(sam, add_device(school), due_on=TODAY - dt.timedelta(days=1))
    assert "cannot be before" in refused(dpo, school, values)["due_on"][0]


def test_only_current_staff_of_the_school_take_data(school, other_school, dpo):
    leaver = add_staff(school, left_on=TODAY - dt.timedelta(days=1))
    pupil = add_staff(school, first="Ada", kind="pupil")
    theirs = add_staff(other_school)
    for person in (leaver, pupil, theirs):
        assert refused(dpo, school, data(person, add_device(school)))["person"] == [
            removals.NOT_STAFF
        ]


def test_a_request_by_staff_waits_for_approval_and_an_officer_s_record_is_approved(
    school, staff, dpo, sam
):
    asked = record(staff, school, sam)
    assert asked.status == Status.REQUESTED and asked.decided_by is None
    recorded = record(dpo, school, sam)
    assert recorded.status == Status.APPROVED and recorded.decided_by == dpo
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["offsite.requested", "offsite.recorded"]


def test_an_officer_s_own_removal_waits_for_the_other_officer(school, siro, dpo, hana):
    removal = record(siro, school, hana)
    assert removal.status == Status.REQUESTED
    with pytest.raises(ValidationError, match="cannot approve your own"):
        removals.removal_decide(actor=siro, school=school, removal=removal, approve=True)
    removals.removal_decide(actor=dpo, school=school, removal=removal, approve=True, note="OK")
    removal.refresh_from_db()
    assert (removal.status, removal.decided_by, removal.decision_note) == (
        Status.APPROVED,
        dpo,
        "OK",
    )
    with pytest.raises(ValidationError, match="already off site"):
        removals.removal_decide(actor=dpo, school=school, removal=removal, approve=False)


def test_a_device_that_lost_its_encryption_before_approval_is_refused(school, staff, dpo, sam):
    drive = add_device(school)
    removal = record(staff, school, sam, drive)
    drive.encrypted = False
    drive.save()
    with pytest.raises(ValidationError, match="is not encrypted"):
        removals.removal_decide(actor=dpo, school=school, removal=removal, approve=True)
    removals.removal_decide(actor=dpo, school=school, removal=removal, approve=False)
    assert Removal.objects.get().status == Status.DECLINED


def test_closing_records_the_return_or_the_destruction(school, dpo, sam):
    removal = record(dpo, school, sam)
    with pytest.raises(ValidationError) as caught:
        removals.removal_close(
            actor=dpo,
            school=school,
            removal=removal,
            outcome="returned",
            closed_on=TODAY + dt.timedelta(days=1),
        )
    assert "future" in str(caught.value)
    removals.removal_close(
        actor=dpo,
        school=school,
        removal=removal,
        outcome="destroyed",
        closed_on=TODAY,
        note="Shredded the printout",
    )
    removal.refresh_from_db()
    assert (removal.status, removal.closed_on, removal.closed_by) == ("destroyed", TODAY, dpo)
    event = AuditEvent.objects.get(action="offsite.destroyed")
    assert event.changes["status"] == ["approved", "destroyed"]
    with pytest.raises(ValidationError, match="Only data that is off site"):
        removals.removal_close(
            actor=dpo, school=school, removal=removal, outcome="returned", closed_on=TODAY
        )


def test_the_database_refuses_a_row_without_an_encrypted_medium(school, dpo, sam):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Removal.objects.create(
            school=school,
            person=sam,
            what="x",
            why="y",
            medium="USB stick",
            medium_encrypted=False,
            taken_on=TODAY,
            due_on=TODAY,
            requested_by=dpo,
        )
