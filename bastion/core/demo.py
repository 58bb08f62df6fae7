"""The demo trust that `make run` serves: Ashmole Primary as the seed policy describes it, and a
second school to show that each school only sees its own data. All names are made up, except
the seed policy's own DPO and school name."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction

from bastion.core import audit
from bastion.core.models import Membership, School, Trust, TrustAdmin

DEMO_PASSWORD = "copper-lantern-meadow-4127"

SCHOOLS = [
    {
        "slug": "ashmole-primary",
        "name": "Ashmole Primary",
        "urn": "100000",
        "policy_review_date": dt.date(2023, 9, 1),
        "next_review_date": dt.date(2024, 9, 1),
        "reviewed_by": "Keith Bridges",
    },
    {
        "slug": "brookfield-primary",
        "name": "Brookfield Primary",
        "urn": "100001",
        "policy_review_date": dt.date(2025, 9, 1),
        "next_review_date": dt.date(2026, 9, 1),
        "reviewed_by": "Priya Shah",
    },
]

# (school slug, e-mail, first, last, job title, roles)
PEOPLE = [
    (
        "ashmole-primary",
        "head@ashmole.example.org",
        "Amelia",
        "Hart",
        "Head Teacher",
        {"siro", "staff"},
    ),
    (
        "ashmole-primary",
        "dpo@ashmole.example.org",
        "Keith",
        "Bridges",
        "Data Protection Officer",
        {"dpo", "staff"},
    ),
    (
        "ashmole-primary",
        "it@ashmole.example.org",
        "Sam",
        "Okafor",
        "IT Technician",
        {"it_lead", "staff"},
    ),
    (
        "ashmole-primary",
        "office@ashmole.example.org",
        "Dana",
        "Whitfield",
        "School Business Manager",
        {"office", "staff"},
    ),
    (
        "ashmole-primary",
        "teacher@ashmole.example.org",
        "Tom",
        "Lindqvist",
        "Year 3 Teacher",
        {"staff"},
    ),
    (
        "ashmole-primary",
        "governor@ashmole.example.org",
        "Ruth",
        "Adeyemi",
        "Chair of Governors",
        {"governor"},
    ),
    (
        "brookfield-primary",
        "head@brookfield.example.org",
        "Priya",
        "Shah",
        "Head Teacher",
        {"siro", "staff"},
    ),
    (
        "brookfield-primary",
        "teacher@brookfield.example.org",
        "Owen",
        "Price",
        "Year 5 Teacher",
        {"staff"},
    ),
]
TRUST_ADMIN = ("trust@harbour.example.org", "Morgan", "Ellis")
# Whoever runs the installation (a trust's IT or a regional provider): Bastion's own backups.
OPERATOR = ("ops@harbour.example.org", "Robin", "Achebe")


@transaction.atomic
def seed_demo() -> list[tuple[str, str]]:
    """Create the demo trust if it is not there; return (e-mail, what they are) for each login."""
    User = get_user_model()
    trust, _ = Trust.objects.get_or_create(
        slug="harbour-learning", defaults={"name": "Harbour Learning Trust"}
    )
    schools = {}
    for data in SCHOOLS:
        school, created = School.objects.get_or_create(
            slug=data["slug"], defaults={**data, "trust": trust}
        )
        schools[school.slug] = school
        if created:
            audit.record("school.created", school=school, obj=school, actor_label="demo data")
    logins = []

    def person(email, first, last):
        user, created = User.objects.get_or_create(
            email=email, defaults={"first_name": first, "last_name": last}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

    for slug, email, first, last, job, roles in PEOPLE:
        user = person(email, first, last)
        fields = {field: role in roles for role, field in Membership.ROLE_FIELDS.items()}
        Membership.objects.get_or_create(
            user=user, school=schools[slug], defaults={"job_title": job, **fields}
        )
        labels = ", ".join(sorted(roles - {"staff"})) or "staff"
        logins.append((email, f"{schools[slug].name}: {job} ({labels})"))
    email, first, last = TRUST_ADMIN
    TrustAdmin.objects.get_or_create(user=person(email, first, last), trust=trust)
    logins.append((email, f"{trust.name}: trust admin (all schools)"))
    email, first, last = OPERATOR
    operator = person(email, first, last)
    if not operator.is_superuser:
        operator.is_superuser = True
        operator.save(update_fields=["is_superuser"])
    logins.append((email, "the installation's operator (Bastion's own backups)"))
    return logins
