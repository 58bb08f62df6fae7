"""A deterministic, realistic dataset at a chosen scale, written with bulk inserts.

Scales (people per school are averages; the trust's schools vary in size):
  tiny   1 school:  6 staff, 20 pupils             (for the generator's own tests)
  school 1 school:  30 staff, 210 pupils, ~340 parents
  trust  50 schools: 4,000 staff, 25,000 pupils, 40,000 parents

Every school gets the accounts the pages are measured as (SIRO with MFA, DPO, office, staff),
a Single Central Record with some gaps, parent links, equipment, incidents (3,000 across the
trust), audit events, and the later registers (bench/registers.py): systems with accounts and
password changes, transfers, information assets (3,000 across the trust), agreements with over
100,000 signatures, off-site removals, housekeeping, filtering, the policy and control history.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from bastion.accounts.models import User
from bastion.core import audit
from bastion.core.models import Membership, School, Trust, TrustAdmin
from bastion.equipment.models import Device, Location, LocationCheck
from bastion.people import scr
from bastion.people.demo import FIRST, LAST
from bastion.people.models import (
    Check,
    Contract,
    Kind,
    ParentLink,
    PeopleSettings,
    Person,
    SCRCheck,
    SCREntry,
)
from bench import registers

PASSWORD = "bench-copper-lantern-9931"
BATCH = 5000


@dataclass(frozen=True)
class Scale:
    name: str
    schools: int
    staff: int  # in all
    pupils: int
    parents: int
    governors_per_school: int = 8
    audit_events_per_school: int = 40
    incidents: int = 0  # in all, across the schools
    devices_per_school: int = 100  # 5,000 across the trust
    assets_per_school: int = 60  # 3,000 across the trust
    transfers_per_school: int = 20


SCALES = {
    "tiny": Scale(
        "tiny",
        1,
        6,
        20,
        30,
        governors_per_school=2,
        audit_events_per_school=5,
        incidents=12,
        assets_per_school=8,
        transfers_per_school=5,
    ),
    "school": Scale("school", 1, 30, 210, 340, incidents=60),
    "trust": Scale("trust", 50, 4000, 25000, 40000, incidents=3000),
}
YEARS = ["R", "1", "2", "3", "4", "5", "6"]


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """Split `total` into `parts` uneven shares (schools differ in size) that sum to `total`."""
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    shares = [int(total * w / sum(weights)) for w in weights]
    shares[-1] += total - sum(shares)
    return shares


def _bulk(model, rows: list) -> None:
    for start in range(0, len(rows), BATCH):
        model.objects.bulk_create(rows[start : start + BATCH])


def generate(scale_name: str, seed: int = 7, today: dt.date | None = None) -> dict[str, int]:
    """Fill an empty database with the dataset. Returns counts of what was made."""
    scale = SCALES[scale_name]
    rng = random.Random(seed)
    today = today or dt.date(2026, 11, 1)
    password = make_password(PASSWORD)
    with transaction.atomic():
        trust = Trust.objects.create(name="Bench Learning Trust", slug="bench-trust")
        schools = [
            School(
                trust=trust,
                name=f"Bench School {i + 1:02d}",
                slug=f"bench-{i + 1:02d}",
                urn=f"{900000 + i}",
            )
            for i in range(scale.schools)
        ]
        _bulk(School, schools)
        schools = list(School.objects.filter(trust=trust).order_by("slug"))
        _bulk(PeopleSettings, [PeopleSettings(school=s, dbs_recheck_years=3) for s in schools])
        users, memberships = _accounts(schools, password)
        it_leads = {m.school_id: m.user for m in memberships if m.is_it_lead}
        admin = User.objects.create(
            email="trust@bench.example.org",
            password=password,
            first_name="Trust",
            last_name="Admin",
        )
        TrustAdmin.objects.create(user=admin, trust=trust)
        # A trust admin needs MFA too (the trust matrix is measured as them).
        admin.authenticator_set.create(type="totp", data={"secret": "JBSWY3DPEHPK3PXP"})
        staff_counts = _split(scale.staff, scale.schools, rng)
        pupil_counts = _split(scale.pupils, scale.schools, rng)
        parent_counts = _split(scale.parents, scale.schools, rng)
        totals = {
            "schools": len(schools),
            "users": len(users) + 1,
            "staff": 0,
            "pupils": 0,
            "parents": 0,
            "links": 0,
            "scr_checks": 0,
            "governors": 0,
        }
        for school, n_staff, n_pupils, n_parents in zip(
            schools, staff_counts, pupil_counts, parent_counts, strict=True
        ):
            made = _school_people(school, n_staff, n_pupils, n_parents, scale, rng, today)
            made |= _equipment(school, scale, today, it_leads[school.pk])
            made |= registers.fill(
                school,
                assets_per_school=scale.assets_per_school,
                transfers=scale.transfers_per_school,
                rng=rng,
                today=today,
            )
            for key, value in made.items():
                totals[key] = totals.get(key, 0) + value
        events = 0
        for school in schools:
            for i in range(scale.audit_events_per_school):
                audit.record("bench.event", school=school, actor_label="bench", changes={"n": i})
                events += 1
        totals["audit_events"] = events
        totals |= _incidents(schools, scale.incidents, random.Random(f"{seed}-incidents"), today)
    return totals


def _accounts(schools, password):
    users, memberships = [], []
    for school in schools:
        n = school.slug
        for role, fields in (
            ("siro", {"is_siro": True}),
            ("dpo", {"is_dpo": True}),
            ("office", {"is_office": True}),
            ("it", {"is_it_lead": True}),
            ("teacher", {}),
        ):
            user = User(
                email=f"{role}@{n}.bench.example.org",
                password=password,
                first_name=role.title(),
                last_name=n,
            )
            users.append(user)
            memberships.append((user, school, fields))
    _bulk(User, users)
    emails = {u.email: u for u in User.objects.filter(email__in=[u.email for u in users])}
    rows = [
        Membership(user=emails[u.email], school=s, is_staff_member=True, **fields)
        for u, s, fields in memberships
    ]
    _bulk(Membership, rows)
    # The SIRO, DPO and IT lead need MFA to open school pages (the benchmark signs in as them).
    from allauth.mfa.models import Authenticator

    secrets = [
        Authenticator(
            user=emails[u.email], type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
        )
        for u, _, fields in memberships
        if fields.keys() & {"is_siro", "is_dpo", "is_it_lead"}
    ]
    _bulk(Authenticator, secrets)
    return users, rows


def _school_people(school, n_staff, n_pupils, n_parents, scale, rng, today):
    people = []
    for i in range(n_staff):
        contract = Contract.AGENCY if i % 25 == 24 else Contract.PERMANENT
        people.append(
            Person(
                school=school,
                kind=Kind.STAFF,
                mis_id=f"S{i:04d}",
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
                email=f"s{i}@{school.slug}.bench.example.org",
                job_title="Class Teacher" if i % 3 == 0 else "Teaching Assistant",
                contract=contract,
                agency_name="Bench Supply" if contract == Contract.AGENCY else "",
                started_on=today - dt.timedelta(days=rng.randint(20, 5000)),
                teaching_role=i % 3 == 0,
                management_role=i < 3,
            )
        )
    for _ in range(scale.governors_per_school):
        people.append(
            Person(
                school=school,
                kind=Kind.GOVERNOR,
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
                started_on=today - dt.timedelta(days=rng.randint(100, 3000)),
                management_role=True,
            )
        )
    _bulk(Person, people)
    people = list(Person.objects.filter(school=school).order_by("pk"))
    checks, entries = [], []
    for index, person in enumerate(people):
        for check in scr.required_checks(person):
            if index % 11 == 5 and check == Check.BARRED_LIST:
                continue  # the gaps audits find
            checks.append(
                SCRCheck(
                    school=school,
                    person=person,
                    check_type=check,
                    state=SCRCheck.State.DONE,
                    done_on=person.started_on - dt.timedelta(days=10),
                    checked_by="Bench Office",
                )
            )
        entries.append(
            SCREntry(
                school=school,
                person=person,
                update_service=index % 2 == 0,
                update_service_checked_on=today - dt.timedelta(days=30),
            )
        )
    _bulk(SCRCheck, checks)
    _bulk(SCREntry, entries)
    # Refresh the stored SCR state in memory, then write it back in bulk.
    by_person: dict[int, list] = {}
    for check in checks:
        by_person.setdefault(check.person_id, []).append(check)
    for person, entry in zip(people, entries, strict=True):
        result = scr.evaluate(person, by_person.get(person.pk, []), entry)
        entry.missing = ",".join(result.missing)
        entry.started_before_dbs = result.started_before_dbs
        entry.dbs_on = result.dbs_on
        entry.complete = result.complete
    SCREntry.objects.bulk_update(
        entries, ["missing", "started_before_dbs", "dbs_on", "complete"], batch_size=BATCH
    )

    pupils = []
    for i in range(n_pupils):
        year = YEARS[i % len(YEARS)]
        age = 4 if year == "R" else 4 + int(year)
        pupils.append(
            Person(
                school=school,
                kind=Kind.PUPIL,
                mis_id=f"B{school.pk:04d}{i:07d}0"[:13],
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
                year_group=year,
                class_name=f"{year}{'ABC'[i % 3]}",
                date_of_birth=dt.date(today.year - age - 1, rng.randint(9, 12), rng.randint(1, 28)),
            )
        )
    _bulk(Person, pupils)
    pupils = list(Person.objects.filter(school=school, kind=Kind.PUPIL).order_by("pk"))
    parents = [
        Person(
            school=school,
            kind=Kind.PARENT,
            mis_id=f"C{i:06d}",
            first_name=rng.choice(FIRST),
            last_name=rng.choice(LAST),
            email=f"p{i}@parents.bench.example.org",
        )
        for i in range(n_parents)
    ]
    _bulk(Person, parents)
    parents = list(Person.objects.filter(school=school, kind=Kind.PARENT).order_by("pk"))
    links = []
    if pupils:
        for i, parent in enumerate(parents):
            child = pupils[i % len(pupils)]
            links.append(
                ParentLink(
                    school=school,
                    parent=parent,
                    child=child,
                    relationship=("mother", "father", "carer")[i % 3],
                    contact_priority=1 + i // len(pupils),
                )
            )
    _bulk(ParentLink, links)
    return {
        "staff": n_staff,
        "governors": scale.governors_per_school,
        "pupils": n_pupils,
        "parents": n_parents,
        "links": len(links),
        "scr_checks": len(checks),
    }


INCIDENT_KINDS = ["lost_device"] * 4 + ["password"] * 3 + ["wrong_recipient"] * 3 + [
    "stolen_device", "unauthorised_access", "malware", "paper", "other",
]  # fmt: skip


def _incidents(schools, total: int, rng, today: dt.date) -> dict[str, int]:
    """Two years of incidents: most closed, told to the ICO or ruled out (some late); a few
    open with the 72-hour clock running, and a few past it without a decision."""
    from bastion.incidents.models import Action, Incident

    now = dt.datetime.combine(today, dt.time(9), tzinfo=dt.UTC)
    teachers = Membership.objects.filter(school__in=schools, user__email__startswith="teacher@")
    staff = {m.school_id: m.user_id for m in teachers}
    dpos = {
        m.school_id: m.user_id for m in Membership.objects.filter(school__in=schools, is_dpo=True)
    }
    incidents = []
    for school, count in zip(schools, _split(total, len(schools), rng), strict=True):
        for n in range(count):
            age = rng.uniform(1, 70) if n % 25 == 0 else rng.uniform(80, 730 * 24)
            aware = now - dt.timedelta(hours=age)
            row = Incident(
                school=school,
                reference=f"INC-{aware.year}-{n + 1:04d}",
                reporter_id=staff[school.pk],
                submission_key=uuid.UUID(int=rng.getrandbits(128), version=4),
                kind=rng.choice(INCIDENT_KINDS),
                what_happened=f"Bench incident {n + 1}.",
                happened_at=aware - dt.timedelta(hours=rng.randint(2, 72)) if n % 3 else None,
                discovered_at=aware - dt.timedelta(minutes=rng.randint(0, 120)),
                aware_at=aware,
                personal_data="Names and contact details",
                people_affected=rng.randint(1, 300),
                children_data=n % 2 == 0,
                special_category=n % 7 == 0,
            )
            if age > 72 and n % 20 != 1:  # decided; the rest are past the 72 hours undecided
                _decide(row, rng, dpos[school.pk], now)
            incidents.append(row)
    made = []
    for start in range(0, len(incidents), BATCH):
        made += Incident.objects.bulk_create(incidents[start : start + BATCH])
    actions = [
        Action(
            school_id=row.school_id,
            incident=row,
            kind=kind,
            description=f"Bench {kind} step",
            owner_id=dpos[row.school_id],
            due_on=(row.aware_at + dt.timedelta(days=7)).date(),
            done_at=row.closed_at,
        )
        for row in made[::2]
        for kind in ("containment", "prevention")
    ]
    _bulk(Action, actions)
    return {"incidents": len(made), "incident_actions": len(actions)}


def _decide(row, rng, dpo_id: int, now: dt.datetime) -> None:
    """Assess the risk, decide on the ICO, and (for most) close the incident."""
    row.status = "closed" if rng.random() < 0.85 else "triaged"
    row.likelihood, row.severity = rng.choice(["low", "medium", "high"]), "medium"
    row.risk = rng.choice(["no_risk", "no_risk", "risk", "risk", "high_risk"])
    row.risk_reasoning = "Bench assessment."
    row.assessed_by_id, row.assessed_at = dpo_id, row.aware_at + dt.timedelta(hours=6)
    row.notify_ico = row.risk != "no_risk"
    if row.notify_ico:
        row.ico_notified_at = row.aware_at + dt.timedelta(hours=rng.choice([20, 48, 70, 90]))
        row.ico_reference = f"IC-{rng.randint(100000, 999999)}"
        row.late_reason = "Waited for the IT provider's report." if row.notified_late else ""
    else:
        row.not_notifiable_reason = "No likely risk to people: the data was encrypted."
    row.tell_people = row.risk == "high_risk"
    row.people_told_on = (row.aware_at + dt.timedelta(days=2)).date() if row.tell_people else None
    if row.status == "closed":
        row.cause, row.lessons = "Human error.", "Reminded staff of the policy."
        row.closed_at = min(row.aware_at + dt.timedelta(days=10), now)
        row.closed_by_id = dpo_id


DEVICE_KINDS = ["laptop"] * 40 + ["desktop"] * 20 + ["tablet"] * 15 + ["phone"] * 5
DEVICE_KINDS += ["server"] * 3 + ["nas", "mfd", "mfd"] + ["flash_drive"] * 6
DEVICE_KINDS += ["backup_disk"] * 3 + ["otp_token"] * 4


def _equipment(school, scale, today, it_lead) -> dict[str, int]:
    """Six locations (some due a check) and the school's devices, a few breaking a rule."""
    places = [
        Location(school=school, name=name, kind=kind, lockable=lockable, **extra)
        for name, kind, lockable, extra in (
            ("Server cupboard", "cabinet", True, {"for_servers": True}),
            ("Office safe", "safe", True, {"fire_proof": True, "for_backup_media": True}),
            ("School office", "room", True, {"for_paper_records": True}),
            ("ICT suite", "room", True, {}),
            ("Hall", "room", False, {}),
            ("Off-site store", "off_site", False, {}),
        )
    ]
    _bulk(Location, places)
    places = list(Location.objects.filter(school=school).order_by("pk"))
    checks = [
        LocationCheck(
            school=school, location=place, checked_on=today - dt.timedelta(days=45 * i),
            as_expected=True, checked_by=it_lead,
        )
        for i, place in enumerate(places[:4])
    ]  # fmt: skip
    _bulk(LocationCheck, checks)
    staff = Person.objects.filter(school=school, kind=Kind.STAFF).order_by("pk")
    staff = list(staff.values_list("pk", flat=True)[:40])
    kept = {"server": places[0], "nas": places[0], "backup_disk": places[1]}
    devices = []
    for i in range(scale.devices_per_school):
        kind = DEVICE_KINDS[i % len(DEVICE_KINDS)]
        portable = kind in Device.PORTABLE
        devices.append(
            Device(
                school=school,
                kind=kind,
                make=("Dell", "Lenovo", "Apple", "HP")[i % 4],
                model=f"Model {i % 7}",
                serial=f"SN{school.pk:03d}{i:05d}",
                asset_tag=f"AT-{i:04d}",
                holds_personal_data=i % 3 != 2,
                encrypted=not portable or i % 17 != 0,  # a few unencrypted portables
                location=(kept.get(kind) or places[2 + i % 3]) if i % 29 else None,
                assigned_to_id=staff[i % len(staff)] if portable and staff else None,
                manager_id=staff[i % len(staff)] if kind == "server" and staff else None,
                purchased_on=today - dt.timedelta(days=100 + 7 * i),
                status="disposed" if i % 41 == 40 else "in_use",
            )
        )
    _bulk(Device, devices)
    return {"locations": len(places), "devices": len(devices)}
