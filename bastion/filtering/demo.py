"""Made-up filtering and monitoring for the demo school: the head and a governor named, the
broadband provider's filtering, a monitoring service, decisions, checks and last year's review."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from bastion.core.models import Membership
from bastion.filtering.models import Check, Decision, FilteringSetup, Provider
from bastion.people.models import Kind, Person

DECISIONS = [
    (200, "block", "Online gaming sites", "Not needed for learning; distracting in lessons", ""),
    (
        150,
        "allow",
        "youtube.com (restricted mode)",
        "Teaching videos for science and music",
        "Year 5 team",
    ),
    (90, "block", "Anonymous proxy and VPN sites", "Used to get round the filtering", ""),
    (40, "allow", "bbc.co.uk/bitesize", "Wrongly blocked as 'games'", "Year 6 teacher"),
    (10, "block", "AI chat services without age checks", "Not approved for pupils' use", "DSL"),
]


@transaction.atomic
def seed_filtering(school, *, today: dt.date | None = None) -> int:
    """Fill the register once; returns how many rows were created (0 if it exists)."""
    if FilteringSetup.objects.filter(school=school).exists():
        return 0
    today = today or timezone.localdate()
    siro = Membership.objects.active().filter(school=school, is_siro=True).first()
    it = Membership.objects.active().filter(school=school, is_it_lead=True).first()
    recorder = (it or siro).user if (it or siro) else None
    if recorder is None:
        return 0
    people = Person.objects.for_school(school).current()
    leader = people.filter(kind=Kind.STAFF, user=siro.user).first() if siro else None
    governor = people.filter(kind=Kind.GOVERNOR).order_by("pk").first()
    FilteringSetup.objects.create(
        school=school,
        senior_leader=leader,
        governor=governor,
        monitoring=(
            "Active monitoring of school devices by the monitoring service; alerts go to the "
            "designated safeguarding lead the same day. Staff supervise pupils' screens in "
            "lessons, and the IT lead reviews the web logs weekly."
        ),
        monitors_email=True,
        monitors_platforms=True,
    )
    providers = [
        Provider(
            school=school,
            name="LGfL WebScreen",
            product="Broadband web filtering",
            covers_wired=True,
            covers_wireless=True,
            covers_guest=True,
        ),
        Provider(
            school=school,
            name="Classroom monitoring service",
            product="Device monitoring with safeguarding alerts",
            filters=False,
            monitors=True,
            covers_off_site=True,
        ),
    ]
    Provider.objects.bulk_create(providers)
    Decision.objects.bulk_create(
        [
            Decision(
                school=school,
                decided_on=today - dt.timedelta(days=ago),
                action=action,
                what=what,
                reason=reason,
                requested_by=asked,
                recorded_by=recorder,
            )
            for ago, action, what, reason, asked in DECISIONS
        ]
    )
    checks = [
        Check(
            school=school,
            kind=Check.Kind.REVIEW,
            checked_on=today - dt.timedelta(days=300),
            results="Yearly review with the governor: risks revisited, providers kept, the "
            "decisions list read through. Test sites blocked on wired, wireless and guest.",
            actions="Ask the provider about filtering on laptops taken home.",
            checked_by=recorder,
        ),
        Check(
            school=school,
            checked_on=today - dt.timedelta(days=170),
            results="Test sites blocked on all networks; a test alert reached the DSL in minutes.",
            checked_by=recorder,
        ),
        Check(
            school=school,
            checked_on=today - dt.timedelta(days=60),
            results="Guest wireless let one test site through; the provider fixed it the same day.",
            problems_found=True,
            actions="Re-test guest wireless next term.",
            checked_by=recorder,
        ),
    ]
    Check.objects.bulk_create(checks)
    return 1 + len(providers) + len(DECISIONS) + len(checks)
