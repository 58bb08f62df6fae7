"""Made-up housekeeping for the demo school: last school year's campaign, done by nearly
everyone, and this year's, open with about half the staff done."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from bastion.core.models import Membership
from bastion.housekeeping.campaigns import required_q, school_year, year_end
from bastion.housekeeping.models import Attestation, Campaign
from bastion.people.models import Person

NOTES = [
    "Deleted old class photos from the shared drive.",
    "Cleared last year's planning and assessment files from my laptop.",
    "",
    "Emptied my e-mail of old parent correspondence.",
    "",
]


def _attest(campaign, people, when: dt.datetime) -> list[Attestation]:
    return [
        Attestation(
            school=campaign.school,
            campaign=campaign,
            person=person,
            user=person.user,
            attested_at=when + dt.timedelta(hours=5 * i),
            note=NOTES[i % len(NOTES)],
        )
        for i, person in enumerate(people)
    ]


@transaction.atomic
def seed_housekeeping(school, *, today: dt.date | None = None) -> int:
    """Create the campaigns once; returns how many attestations were created."""
    if Campaign.objects.filter(school=school).exists():
        return 0
    today = today or timezone.localdate()
    siro = (
        Membership.objects.active().filter(school=school, is_siro=True).select_related("user")
    ).first()
    if siro is None:
        return 0
    year = school_year(today)
    last = Campaign.objects.create(
        school=school,
        year=year - 1,
        opened_on=dt.date(year, 6, 2),
        deadline=dt.date(year, 7, 18),
        instructions="Look at the shared drive, your laptop, your e-mail and myDrive.",
        opened_by=siro.user,
    )
    opened = max(dt.date(year, 9, 1), today - dt.timedelta(days=14))
    current = Campaign.objects.create(
        school=school,
        year=year,
        opened_on=opened,
        deadline=min(opened + dt.timedelta(days=45), year_end(year)),
        instructions="Before the end of term: the shared drive, your laptop, e-mail and myDrive.",
        opened_by=siro.user,
    )
    rows = []
    before = list(Person.objects.filter(required_q(last)).select_related("user").order_by("pk"))
    start = dt.datetime.combine(last.opened_on, dt.time(16), tzinfo=dt.UTC)
    rows += _attest(last, before[:-1], start)  # one never did it
    now = list(Person.objects.filter(required_q(current)).select_related("user").order_by("pk"))
    start = dt.datetime.combine(current.opened_on, dt.time(16), tzinfo=dt.UTC)
    rows += _attest(current, now[: len(now) // 2], start)
    Attestation.objects.bulk_create(rows)
    return len(rows)
