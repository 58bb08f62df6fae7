"""The benchmark dataset's later registers: information assets, systems and accounts, agreement
signatures, off-site removals, housekeeping, filtering and the policy, each in bulk.

`generate()` calls `fill(school, ...)` for every school after its people and equipment exist.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from bastion.agreements import coverage
from bastion.agreements import services as agreement_services
from bastion.agreements.demo import seed_agreements
from bastion.agreements.models import Agreement, Signature
from bastion.assets.models import InformationAsset
from bastion.controls.demo import seed_controls
from bastion.filtering.demo import seed_filtering
from bastion.housekeeping.demo import seed_housekeeping
from bastion.offsite.demo import seed_offsite
from bastion.people.models import Kind, Person
from bastion.policy.demo import seed_policy
from bastion.systems.demo import seed_systems
from bastion.systems.models import Account, PasswordChange, RecipientKind, System, Transfer

ASSET_NAMES = [
    "Pupil records", "Attendance registers", "Assessment data", "SEN records",
    "Safeguarding files", "Medical information", "Free school meals", "Admissions files",
    "Staff personnel files", "Payroll", "Recruitment files", "Governor records",
    "School photographs", "CCTV recordings", "Visitor log", "Trip consent forms",
    "Exclusion records", "Accident book", "Parent contact list", "Behaviour log",
]  # fmt: skip
SUBJECTS = [["pupils", "parents"], ["staff"], ["governors"], ["pupils"], ["visitors"]]


def assets(school, n: int, staff: list[int], rng: random.Random, today: dt.date) -> int:
    """`n` information assets, owned by staff; about one in five flagged for something."""
    rows = []
    for i in range(n):
        special = i % 3 == 0
        rows.append(
            InformationAsset(
                school=school,
                reference=f"IA-{i + 1:04d}",
                name=f"{ASSET_NAMES[i % len(ASSET_NAMES)]} {i // len(ASSET_NAMES) + 1}",
                description="Bench information asset.",
                owner_id=staff[i % len(staff)] if staff and i % 17 else None,
                data_subjects=SUBJECTS[i % len(SUBJECTS)],
                personal_data="Names, contact details and records",
                special_category=special,
                special_categories=["health"] if special else [],
                article9_condition="public_interest" if special and i % 11 else "",
                lawful_basis="public_task",
                source="Parents and staff",
                held_elsewhere="School office",
                secure_area=i % 13 != 0,
                format=("electronic", "paper", "both")[i % 3],
                access="Office staff",
                retention_years=6 + i % 20,
                retention_from="created",
                held_until=today + dt.timedelta(days=rng.randint(-60, 3000))
                if i % 4 == 0
                else None,
                weeded_on=today - dt.timedelta(days=rng.randint(10, 500)),
                disposal="shredding",
                risk=("low", "medium", "high")[i % 3],
                dpia_needed=i % 7 == 0,
                dpia_done_on=today - dt.timedelta(days=200) if i % 14 == 0 else None,
                last_reviewed_on=today - dt.timedelta(days=rng.randint(5, 500)),
            )
        )
    InformationAsset.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def fill(school, *, assets_per_school: int, transfers: int, rng, today: dt.date) -> dict[str, int]:
    """Every later register of one school, after its people and equipment exist."""
    staff = list(
        Person.objects.filter(school=school, kind=Kind.STAFF)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    made = {"systems": seed_systems(school, today=today)}
    made |= system_accounts(school, staff, rng, today, transfers)
    made["assets"] = assets(school, assets_per_school, staff, rng, today)
    made["signatures"] = agreements(school, rng, today)
    made["offsite_removals"] = seed_offsite(school, today=today)
    made["housekeeping_attestations"] = seed_housekeeping(school, today=today)
    made["filtering_rows"] = seed_filtering(school, today=today)
    seed_policy(school, today=today)
    made["control_rows"] = seed_controls(school, today=today)
    return made


def system_accounts(school, staff, rng, today, transfers: int) -> dict[str, int]:
    """Every member of staff on the MIS and e-mail, password changes mostly in date, and a log
    of transfers with one in twenty-five on a channel not approved for its recipient."""
    systems = {s.kind: s for s in System.objects.filter(school=school).order_by("pk")}
    rows, changes = [], []
    for kind in ("mis", "email"):
        system = systems.get(kind)
        if system is None:
            continue
        have = set(Account.objects.filter(system=system).values_list("person_id", flat=True))
        for pk in staff:
            if pk not in have:
                rows.append(Account(school=school, system=system, person_id=pk))
            days = rng.randint(5, 260)  # a few past the six months
            changes.append(
                PasswordChange(
                    school=school, system=system, person_id=pk,
                    changed_on=today - dt.timedelta(days=days),
                )
            )  # fmt: skip
    Account.objects.bulk_create(rows, batch_size=2000)
    PasswordChange.objects.bulk_create(changes, batch_size=2000)
    channel = systems.get("secure_transfer") or next(iter(systems.values()), None)
    email = systems.get("email") or channel
    sender = school_sender(school)
    log = []
    if channel is not None and sender is not None:
        kinds = [k for k, _ in RecipientKind.choices]
        for i in range(transfers):
            kind = kinds[i % len(kinds)]
            through = email if i % 25 == 0 else channel
            flagged = not through.approved_for_kind(kind)
            log.append(
                Transfer(
                    school=school, sent_on=today - dt.timedelta(days=rng.randint(0, 400)),
                    what="Report on a child" if i % 2 else "CTF file",
                    recipient=f"Recipient {i % 9}", recipient_kind=kind, channel=through,
                    lawful_basis="public_task", sent_by_id=sender, flagged=flagged,
                    flag_reason="Channel not approved for this recipient" if flagged else "",
                    recorded_by_id=sender,
                )
            )  # fmt: skip
        Transfer.objects.bulk_create(log, batch_size=2000)
    return {"accounts": len(rows), "password_changes": len(changes), "transfers": len(log)}


def school_sender(school):
    from bastion.core.models import Membership

    return (
        Membership.objects.filter(school=school, is_office=True)
        .values_list("user_id", flat=True)
        .first()
    )


def agreements(school, rng, today: dt.date) -> int:
    """Last year's agreements signed by most people, then this year's versions (everyone signs
    again) signed by most of them so far: over 100,000 signatures across the trust."""
    made = seed_agreements(school, today=today - dt.timedelta(days=365))
    start = today - dt.timedelta(days=60)
    signed = list(Signature.objects.filter(school=school).values_list("person_id", "agreement_id"))
    versions = {}
    for agreement in Agreement.objects.filter(school=school):
        versions[agreement.pk] = agreement_services.agreement_publish(
            actor=None, school=school, agreement=agreement,
            text=agreement.current.text + "\n\nUpdated for this school year.",
            effective_on=start, everyone_signs_again=True, note="New school year",
        )  # fmt: skip
    rows = []

    def sign(person_id, agreement_id):
        version = versions[agreement_id]
        day = start + dt.timedelta(days=rng.randint(0, 59))
        rows.append(
            Signature(
                school=school, person_id=person_id, agreement_id=agreement_id,
                version=version, number=version.number, text_hash=version.text_hash,
                method="link", typed_name="Bench signer",
                signed_at=timezone.make_aware(dt.datetime.combine(day, dt.time(12))),
            )
        )  # fmt: skip

    # Nine in ten of last year's signers have signed again; half of the others for the first time.
    for person_id, agreement_id in signed:
        if rng.random() < 0.9:
            sign(person_id, agreement_id)
    by_audience = {a.audience: a.pk for a in Agreement.objects.filter(school=school)}
    up_to = coverage.up_to_map([school])
    already = {person_id for person_id, _ in signed}
    for person in coverage.people([school], today, up_to).order_by("pk"):
        if person.pk not in already and person.audience in by_audience and rng.random() < 0.5:
            sign(person.pk, by_audience[person.audience])
    Signature.objects.bulk_create(rows, batch_size=5000)
    return made + len(rows)
