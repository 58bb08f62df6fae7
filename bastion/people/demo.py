"""Made-up people for the demo school: staff, governors, volunteers, pupils and their parents,
with a Single Central Record that is mostly complete and has the gaps audits usually find.

Deterministic (seeded), so every `make run` shows the same school. No real person's data.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from bastion.people import scr
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

FIRST = [
    "Amara",
    "Ben",
    "Chloe",
    "Daniel",
    "Elif",
    "Farah",
    "George",
    "Hana",
    "Isaac",
    "Jade",
    "Kofi",
    "Layla",
    "Mateo",
    "Nia",
    "Oscar",
    "Priya",
    "Quinn",
    "Rosa",
    "Samir",
    "Tia",
    "Umar",
    "Vera",
    "Wren",
    "Xander",
    "Yara",
    "Zane",
    "Aisha",
    "Bilal",
    "Cora",
    "Dev",
    "Esme",
    "Finn",
    "Grace",
    "Hugo",
    "Iris",
    "Jonah",
    "Kira",
    "Leo",
    "Maya",
    "Noah",
    "Olive",
    "Reuben",
    "Sana",
    "Theo",
    "Uma",
    "Vikram",
    "Willow",
    "Yusuf",
    "Zara",
]
LAST = [
    "Abbott",
    "Bello",
    "Carter",
    "Dhillon",
    "Evans",
    "Fraser",
    "Garcia",
    "Hughes",
    "Ibrahim",
    "Jones",
    "Kaur",
    "Lewis",
    "Mensah",
    "Novak",
    "Okoro",
    "Patel",
    "Quigley",
    "Rahman",
    "Silva",
    "Taylor",
    "Usman",
    "Varga",
    "Walsh",
    "Xu",
    "Young",
    "Zielinski",
    "Ahmed",
    "Byrne",
    "Campbell",
    "Doyle",
    "Ellis",
    "Foster",
    "Green",
    "Hall",
    "Iqbal",
    "Khan",
    "Lopez",
    "Murphy",
    "Nguyen",
    "Owusu",
    "Price",
    "Reid",
    "Shah",
]
JOBS = (
    [
        ("Head Teacher", True, True),
        ("Deputy Head", True, True),
        ("Business Manager", False, True),
        ("SENCo", True, False),
        ("Office Administrator", False, False),
        ("IT Technician", False, False),
        ("Site Manager", False, False),
        ("Midday Supervisor", False, False),
        ("Cook", False, False),
    ]
    + [("Class Teacher", True, False)] * 8
    + [("Teaching Assistant", False, False)] * 10
)
YEARS = ["R", "1", "2", "3", "4", "5", "6"]


def _name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST), rng.choice(LAST)


def _fold(people: list[Person]) -> None:
    for person in people:
        person.fold_search_name()  # bulk_create does not call save()


def _upn(rng: random.Random, n: int) -> str:
    return f"{rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}{100000000000 + n * 7919 % 899999999999:012d}"


def _claim_for_accounts(school, people: list[Person]) -> None:
    """The demo accounts (head teacher, DPO, office...) are people of the directory too: give
    their names, e-mail and account to the entry with their job, or to a new one."""
    from bastion.core.models import Membership

    members = Membership.objects.filter(school=school).select_related("user")
    for membership in members:
        user = membership.user
        kind = (
            Kind.GOVERNOR
            if membership.is_governor and not membership.is_staff_member
            else Kind.STAFF
        )
        match = next(
            (
                p
                for p in people
                if p.user is None and p.kind == kind and p.job_title == membership.job_title
            ),
            None,
        )
        if match is None:
            match = Person(
                school=school,
                kind=kind,
                job_title=membership.job_title,
                started_on=dt.date.today() - dt.timedelta(days=400),
            )
            people.append(match)
        match.first_name, match.last_name = user.first_name, user.last_name
        match.email, match.user = user.email, user


@transaction.atomic
def seed_people(school, *, today: dt.date | None = None, seed: int = 1) -> int:
    """Fill the school's directory once; returns how many people were created (0 if present)."""
    if Person.objects.filter(school=school).exists():
        return 0
    rng = random.Random(seed)
    today = today or dt.date.today()
    PeopleSettings.objects.get_or_create(school=school, defaults={"dbs_recheck_years": 3})
    staff = []
    for i, (job, teaching, management) in enumerate(JOBS):
        first, last = _name(rng)
        started = today - dt.timedelta(days=rng.randint(60, 365 * 15))
        staff.append(
            Person(
                school=school,
                kind=Kind.STAFF,
                mis_id=f"S{i + 1:03d}",
                first_name=first,
                last_name=last,
                email=f"{first}.{last}{i}@ashmole.example.org".lower(),
                job_title=job,
                contract=Contract.PERMANENT,
                started_on=started,
                teaching_role=teaching,
                management_role=management,
            )
        )
    first, last = _name(rng)
    staff.append(
        Person(
            school=school,
            kind=Kind.STAFF,
            mis_id="A001",
            first_name=first,
            last_name=last,
            job_title="Supply Teacher",
            contract=Contract.AGENCY,
            agency_name="Brightside Supply",
            started_on=today - dt.timedelta(days=10),
            teaching_role=True,
        )
    )
    others = []
    for i in range(8):
        first, last = _name(rng)
        others.append(
            Person(
                school=school,
                kind=Kind.GOVERNOR,
                first_name=first,
                last_name=last,
                job_title="Chair of Governors" if i == 0 else "Governor",
                started_on=today - dt.timedelta(days=rng.randint(100, 2000)),
                management_role=True,
            )
        )
    for i in range(4):
        first, last = _name(rng)
        others.append(
            Person(
                school=school,
                kind=Kind.VOLUNTEER,
                first_name=first,
                last_name=last,
                job_title="Reading volunteer",
                regulated_activity=i < 3,
                started_on=today - dt.timedelta(days=rng.randint(30, 700)),
            )
        )
    adults = staff + others
    _claim_for_accounts(school, adults)
    _fold(adults)
    Person.objects.bulk_create(adults)

    checks = []
    for index, person in enumerate(adults):
        for check in scr.required_checks(person):
            # The gaps audits find: a long-serving TA without a barred-list check, the newest
            # teacher whose right to work was never recorded, a volunteer with no DBS yet.
            if (index == 18 and check == Check.BARRED_LIST) or (
                index == 12 and check == Check.RIGHT_TO_WORK
            ):
                continue
            if person.kind == Kind.VOLUNTEER and index % 4 == 2 and check == Check.DBS:
                continue
            done = person.started_on - dt.timedelta(days=rng.randint(5, 40))
            checks.append(
                SCRCheck(
                    school=school,
                    person=person,
                    check_type=check,
                    state=SCRCheck.State.DONE,
                    done_on=done,
                    checked_by="Dana Whitfield",
                    reference=f"{rng.randint(10**11, 10**12 - 1):012d}"
                    if check == Check.DBS
                    else "",
                )
            )
    SCRCheck.objects.bulk_create(checks)
    SCREntry.objects.bulk_create(
        [SCREntry(school=school, person=p, update_service=i % 3 == 0) for i, p in enumerate(adults)]
    )
    scr.refresh_entries(Person.objects.filter(pk__in=[p.pk for p in adults]))

    pupils, n = [], 0
    for year in YEARS:
        age = 4 if year == "R" else 4 + int(year)
        for _ in range(30):
            n += 1
            first, last = _name(rng)
            pupils.append(
                Person(
                    school=school,
                    kind=Kind.PUPIL,
                    mis_id=_upn(rng, n),
                    first_name=first,
                    last_name=last,
                    year_group=year,
                    class_name=f"{year}{'AB'[n % 2]}",
                    date_of_birth=dt.date(
                        today.year - age - 1, rng.randint(9, 12), rng.randint(1, 28)
                    ),
                )
            )
    _fold(pupils)
    Person.objects.bulk_create(pupils)
    parents, links = [], []
    for i, pupil in enumerate(pupils):
        for order, relationship in enumerate(("mother", "father")[: 1 + i % 2], start=1):
            first = rng.choice(FIRST)
            parent = Person(
                school=school,
                kind=Kind.PARENT,
                mis_id=f"C{i:04d}{order}",
                first_name=first,
                last_name=pupil.last_name,
                email=f"{first}.{pupil.last_name}{i}{order}@example.org".lower(),
            )
            parents.append(parent)
            links.append((parent, pupil, relationship, order))
    _fold(parents)
    Person.objects.bulk_create(parents)
    ParentLink.objects.bulk_create(
        [
            ParentLink(
                school=school,
                parent=p,
                child=c,
                relationship=r,
                parental_responsibility=True,
                contact_priority=o,
            )
            for p, c, r, o in links
        ]
    )
    return len(adults) + len(pupils) + len(parents)
