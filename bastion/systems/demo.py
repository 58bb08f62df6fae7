"""The demo school's systems as the seed policy names them, the accounts of the staff who sign in
to Bastion, a realistic mix of password changes (most in date, one due soon, one lapsed, one
never recorded) and a few data transfers, one through an unapproved channel.

Idempotent: systems are matched by (school, name), accounts by (system, person), transfers by
(what, recipient); running it again adds nothing. Names of organisations are made up.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from bastion.core.models import Membership
from bastion.people.models import Person
from bastion.systems.models import (
    Account,
    Kind,
    LawfulBasis,
    PasswordChange,
    RecipientKind,
    System,
    Transfer,
)
from bastion.systems.transfers import channel_problem

R = RecipientKind
STRONG = "At least 12 characters, checked against common passwords; locked after 5 failures."
USO = "The USO password rules: at least 8 characters with a mix of letters and numbers."
AUTOUPDATE = "Created by LGfL AutoUpdate from the MIS staff record; removed on the leaving date."
# (name, kind, owner role, fields, roles holding an account)
SYSTEMS = [
    (
        "SIMS (MIS)",
        Kind.MIS,
        "office",
        {
            "description": "Pupil, parent and staff records, attendance, assessment.",
            "password_rules": STRONG,
            "provisioning": "The business manager creates the account from the staff record; "
            "access follows the role; removed on the leaving date.",
        },
        {"siro", "dpo", "office", "it_lead", "staff"},
    ),
    (
        "LGfL AutoUpdate",
        Kind.OTHER,
        "it_lead",
        {
            "description": "Creates the online user accounts of pupils and staff from the MIS, "
            "for access to services and online resources.",
            "holds_personal_data": True,
            "password_rules": "No passwords of its own: it runs from the MIS export.",
            "provisioning": "Runs nightly from the MIS; leavers' accounts are removed with it.",
            "password_change_months": None,
        },
        set(),
    ),
    (
        "USO admin site",
        Kind.LOGIN_ADMIN,
        "it_lead",
        {
            "description": "Manages the staff and pupil logins of the London Grid for Learning.",
            "password_rules": STRONG,
            "provisioning": "Two named administrators; set up by LGfL on the head's request.",
            "mfa_enforced": True,
        },
        {"siro", "it_lead", "office"},
    ),
    (
        "Pan-London Admissions",
        Kind.ADMISSIONS,
        "office",
        {
            "description": "Admissions data, sent to the local authority.",
            "password_rules": STRONG,
            "provisioning": "Requested from the local authority's admissions team; each user "
            "also has an LGfL OTP tag.",
            "mfa_enforced": True,
            "approved_for": [R.LOCAL_AUTHORITY],
        },
        {"siro", "office"},
    ),
    (
        "RAv3 remote access (VPN)",
        Kind.REMOTE_ACCESS,
        "it_lead",
        {
            "description": "Access to the admin network from home, instead of taking data home.",
            "password_rules": USO,
            "provisioning": AUTOUPDATE,
            "mfa_enforced": True,
        },
        {"siro", "dpo", "office", "it_lead"},
    ),
    (
        "School e-mail (LGfL Mail)",
        Kind.EMAIL,
        "it_lead",
        {
            "password_rules": USO,
            "provisioning": AUTOUPDATE,
            "password_change_months": None,  # the USO login: changed with the USO password
        },
        {"siro", "dpo", "office", "it_lead", "staff", "governor"},
    ),
    (
        "LGfL myDrive",
        Kind.CLOUD_STORAGE,
        "it_lead",
        {
            "description": "Online document storage for staff.",
            "password_rules": USO,
            "provisioning": AUTOUPDATE,
            "password_change_months": None,
        },
        {"siro", "dpo", "office", "it_lead", "staff"},
    ),
    (
        "GridStore off-site backup",
        Kind.OFFSITE_BACKUP,
        "it_lead",
        {
            "description": "Remote secure backup of the admin and curriculum servers.",
            "password_rules": STRONG,
            "provisioning": "The IT technician's account only, set up by LGfL.",
            "mfa_enforced": True,
        },
        {"it_lead"},
    ),
    (
        "DfE S2S (school to school)",
        Kind.SECURE_TRANSFER,
        "office",
        {
            "description": "CTF pupil files to the DfE and to other schools.",
            "password_rules": "DfE Sign-in rules.",
            "provisioning": "DfE Sign-in approver: the head teacher.",
            "mfa_enforced": True,
            "approved_for": [R.DFE, R.SCHOOL],
        },
        {"siro", "office"},
    ),
    (
        "USO-FX2",
        Kind.SECURE_TRANSFER,
        "dpo",
        {
            "description": "Secure document transfer: references and reports on children.",
            "password_rules": USO,
            "provisioning": AUTOUPDATE,
            "approved_for": [
                R.SCHOOL,
                R.LOCAL_AUTHORITY,
                R.CHILDRENS_SERVICES,
                R.HEALTH,
                R.WELFARE,
                R.SOCIAL_SERVICES,
            ],
        },
        {"siro", "dpo", "office"},
    ),
]
# Days since the last password change, in turn for each account on a rotated system: most in
# date, one due within a fortnight (175), one lapsed (230), one never recorded (None).
CHANGES = [35, 175, 64, 230, 12, None, 120, 90, 48, 150]
# (days ago, what, recipient, kind, channel name, basis, sender role)
TRANSFERS = [
    (40, "CTF file for a pupil leaving", "Brookfield Primary", R.SCHOOL, "DfE S2S (school to "
     "school)", LawfulBasis.LEGAL_OBLIGATION, "office"),
    (75, "School census return", "Department for Education", R.DFE, "DfE S2S (school to school)",
     LawfulBasis.LEGAL_OBLIGATION, "office"),
    (21, "Report on a child for a child protection conference", "Northbridge Children's "
     "Services", R.CHILDRENS_SERVICES, "USO-FX2", LawfulBasis.PUBLIC_TASK, "dpo"),
    (9, "Attendance summary for a pupil", "Northbridge school nursing team", R.HEALTH,
     "School e-mail (LGfL Mail)", LawfulBasis.PUBLIC_TASK, "staff"),
]  # fmt: skip


def _people_by_role(school) -> dict[str, list[Person]]:
    """The directory entries of the school's Bastion users, by role."""
    people = {
        p.user_id: p for p in Person.objects.filter(school=school, user__isnull=False).current()
    }
    by_role: dict[str, list[Person]] = {}
    for membership in Membership.objects.active().filter(school=school).order_by("pk"):
        person = people.get(membership.user_id)
        for role in membership.roles if person else ():
            by_role.setdefault(role, []).append(person)
    return by_role


@transaction.atomic
def seed_systems(school, *, today: dt.date | None = None) -> int:
    """Fill the school's systems register (once per system); returns how many were created."""
    today = today or timezone.localdate()
    by_role = _people_by_role(school)
    created = 0
    systems = {}
    for name, kind, owner_role, fields, roles in SYSTEMS:
        owner = (by_role.get(owner_role) or [None])[0]
        system, new = System.objects.get_or_create(
            school=school, name=name, defaults={"kind": kind, "owner": owner, **fields}
        )
        systems[name] = system
        created += new
        holders = {p.pk: p for role in sorted(roles) for p in by_role.get(role, [])}
        for person in holders.values():
            Account.objects.get_or_create(
                school=school,
                system=system,
                person=person,
                defaults={"since": today - dt.timedelta(days=400)},
            )
    _seed_changes(school, today)
    _seed_transfers(school, systems, by_role, today)
    return created


def _seed_changes(school, today: dt.date) -> None:
    accounts = Account.objects.filter(
        school=school, system__password_change_months__isnull=False
    ).order_by("system__name", "person__last_name", "pk")
    done = set(PasswordChange.objects.filter(school=school).values_list("system_id", "person_id"))
    changes = []
    for i, account in enumerate(accounts):
        days = CHANGES[i % len(CHANGES)]
        if days is None or (account.system_id, account.person_id) in done:
            continue
        changes.append(
            PasswordChange(
                school=school,
                system_id=account.system_id,
                person_id=account.person_id,
                changed_on=today - dt.timedelta(days=days),
                recorded_by_id=account.person.user_id,
            )
        )
    PasswordChange.objects.bulk_create(changes)


def _seed_transfers(school, systems, by_role, today: dt.date) -> None:
    for days, what, recipient, kind, channel, basis, role in TRANSFERS:
        sender = (by_role.get(role) or by_role.get("staff") or [None])[0]
        if (
            sender is None
            or Transfer.objects.filter(school=school, what=what, recipient=recipient).exists()
        ):
            continue
        reason = channel_problem(systems[channel], kind)
        Transfer.objects.create(
            school=school,
            sent_on=today - dt.timedelta(days=days),
            what=what,
            recipient=recipient,
            recipient_kind=kind,
            channel=systems[channel],
            lawful_basis=basis,
            sent_by_id=sender.user_id,
            recorded_by_id=sender.user_id,
            flagged=bool(reason),
            flag_reason=reason,
        )
