"""Deadlocks on PostgreSQL (issue 15, fault 2): incident reports, link signatures, password
attestations and device changes sent at the same moment to one school all succeed, and every
one of them is stored, once, with its audit event (bastion.lib.db documents the lock order)."""

from __future__ import annotations

import itertools
import uuid

import pytest
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from bastion.agreements import links, signing
from bastion.agreements.models import Signature, SigningLink
from bastion.core import audit
from bastion.core.models import AuditEvent
from bastion.equipment import devices
from bastion.equipment.models import Device
from bastion.incidents import services as incidents
from bastion.incidents.models import Incident, Kind
from bastion.lib import db as lib_db
from bastion.systems import passwords
from bastion.systems.models import PasswordChange
from tests.agreements.helpers import agreements, parent_of, pupil
from tests.systems.conftest import account, person_for, system
from tests.threads import at_once

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 8  # of each kind of change: 32 transactions on 16 threads, all released together
THREADS = 16


def _laptop(school, n) -> Device:
    return Device.objects.create(
        school=school, kind=Device.Kind.LAPTOP, make="Dell", model="Latitude", asset_tag=f"LT-{n}"
    )


def _families(school, office, count):
    agreements(school)
    parents = [
        parent_of(school, pupil(school, "3", "3A", f"Child{n}"), first=f"Parent{n}")
        for n in range(count)
    ]
    links.links_for_letters(actor=office, school=school, persons=_annotated(school, parents))
    return [SigningLink.objects.get(person=parent) for parent in parents]


def _annotated(school, persons):
    from bastion.agreements.coverage import people

    return list(people([school]).filter(pk__in=[p.pk for p in persons]))


def test_deadlocks_on_postgresql_none_when_every_kind_of_change_meets_at_once(
    school, staff, it_lead, office
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes one writer at a time: the deadlock needs PostgreSQL")
    holder = person_for(staff, school)
    accounts = [account(system(school, name=f"System {n}"), holder) for n in range(ROUNDS)]
    family_links = _families(school, office, ROUNDS)
    reported = [_laptop(school, f"R{n}") for n in range(ROUNDS)]
    edited = [_laptop(school, f"E{n}") for n in range(ROUNDS)]
    missing = [_laptop(school, f"M{n}") for n in range(ROUNDS)]
    events_before = AuditEvent.objects.count()
    today = timezone.localdate()

    jobs = []
    for n in range(ROUNDS):
        jobs += [
            lambda n=n: incidents.incident_report(
                actor=staff,
                school=school,
                data={
                    "kind": Kind.LOST_DEVICE,
                    "what_happened": "Left on the bus.",
                    "discovered_at": timezone.now(),
                    "device": reported[n],
                },
                submission_key=uuid.uuid4(),
            ),
            lambda n=n: signing.link_sign(
                link=family_links[n], typed_name=f"Parent{n}", sign_own=True, for_children=["3"]
            ),
            lambda n=n: passwords.password_attest(
                actor=staff, school=school, account=accounts[n], changed_on=today
            ),
            lambda n=n: devices.device_update(
                actor=it_lead, school=school, device=edited[n], data={"notes": f"Checked {n}"}
            ),
            lambda n=n: devices.device_report_missing(
                actor=it_lead,
                school=school,
                device=missing[n],
                status=Device.Status.STOLEN,
                note="Taken from the staffroom.",
                submission_key=uuid.uuid4(),
            ),
        ]
    _, errors = at_once(jobs, threads=THREADS)

    assert errors == []
    references = sorted(Incident.objects.values_list("reference", flat=True))
    # Each loss and each theft is an incident, with references in one unbroken sequence.
    assert references == [f"INC-{today.year}-{n:04d}" for n in range(1, 2 * ROUNDS + 1)]
    statuses = Device.objects.values_list("asset_tag", "status")
    assert {tag for tag, status in statuses if status == Device.Status.LOST} == {
        d.asset_tag for d in reported
    }
    assert {tag for tag, status in statuses if status == Device.Status.STOLEN} == {
        d.asset_tag for d in missing
    }
    assert set(
        Device.objects.filter(pk__in=[d.pk for d in edited]).values_list("notes", flat=True)
    ) == {f"Checked {n}" for n in range(ROUNDS)}
    assert Signature.objects.count() == 2 * ROUNDS  # each parent's own and their child's
    assert not SigningLink.objects.filter(used_at__isnull=True).exists()
    assert PasswordChange.objects.count() == ROUNDS
    # Every change wrote its events, in one chain: a loss or a theft writes two (the incident
    # and the device marked missing), a signature, an attestation and an edit one each.
    assert AuditEvent.objects.count() - events_before == ROUNDS * 7
    assert audit.verify().ok


def _operational(code: str) -> OperationalError:
    error = OperationalError("ended by the database")
    error.__cause__ = type("Cause", (Exception,), {"sqlstate": code})()
    return error


def test_deadlocks_on_postgresql_a_transaction_ended_to_break_one_runs_again(
    transactional_db, monkeypatch
):
    monkeypatch.setattr(lib_db.time, "sleep", lambda seconds: None)
    calls = itertools.count(1)

    @lib_db.retry_conflicts
    def change():
        if next(calls) < 3:
            raise _operational("40P01")
        return "done"

    assert change() == "done"
    assert next(calls) == 4  # two deadlocks, then the third run succeeded


def test_deadlocks_on_postgresql_other_errors_and_a_persistent_conflict_go_up(
    transactional_db, monkeypatch
):
    monkeypatch.setattr(lib_db.time, "sleep", lambda seconds: None)
    runs = []

    @lib_db.retry_conflicts
    def change(code):
        runs.append(code)
        raise _operational(code)

    with pytest.raises(OperationalError):
        change("53300")  # too many connections: not a conflict, not run again
    with pytest.raises(OperationalError):
        change("40001")  # still conflicting after every attempt
    assert runs == ["53300"] + ["40001"] * lib_db.ATTEMPTS


def test_deadlocks_on_postgresql_inside_another_transaction_the_error_goes_to_its_opener():
    runs = []

    @lib_db.retry_conflicts
    def change():
        runs.append(1)
        raise _operational("40P01")

    with pytest.raises(OperationalError), transaction.atomic():
        change()
    assert runs == [1]
