"""Demo agreements: the defaults published at the start of the school year, and a realistic
mix of signatures for the people already in the school (online, links, paper, class).

Deterministic (seeded) and fast (bulk inserts). The demo's own accounts are left unsigned so
that their My tasks shows the agreement to sign.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from django.db import transaction
from django.utils import timezone

from bastion.agreements import coverage, services
from bastion.agreements.models import Audience, Method, PaperRecord, Signature
from bastion.core.models import Membership

# Share of each audience that has signed, and how.
MIX = {
    Audience.STAFF: (0.9, Method.ONLINE),
    Audience.GOVERNOR: (0.85, Method.ONLINE),
    Audience.VOLUNTEER: (0.5, Method.LINK),
    Audience.PARENT: (0.7, None),  # links and paper, half each
    Audience.PUPIL_OLDER: (0.85, Method.PAPER),
    Audience.PUPIL_YOUNGER: (1.0, Method.CLASS),  # whole classes, all but one
}


def _term_start(today: dt.date) -> dt.date:
    year = today.year if today.month >= 9 else today.year - 1
    return dt.date(year, 9, 4)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@transaction.atomic
def seed_agreements(school, *, today: dt.date | None = None, seed: int = 6) -> int:
    """Publish the default agreements and sign for most people; returns signatures made
    (0 when the school already has signatures)."""
    if Signature.objects.filter(school=school).exists():
        return 0
    today = today or timezone.localdate()
    start = min(_term_start(today), today)
    services.ensure_defaults(school, today=start)
    # The defaults take effect at the start of the school year, so they were signed since.
    agreements = {a.audience: a for a in services.agreements_for(school)}
    for agreement in agreements.values():
        agreement.current.effective_on = start
        agreement.current.save(update_fields=["effective_on"])
    rng = random.Random(seed)
    days = max((today - start).days, 1)
    accounts = set(Membership.objects.filter(school=school).values_list("user_id", flat=True))
    # Paper and class records name who recorded them: the office, else any member.
    office = (
        Membership.objects.filter(school=school)
        .order_by("-is_office", "pk")
        .values_list("user_id", flat=True)
        .first()
    )
    people = list(coverage.people([school], today, coverage.up_to_map([school])).order_by("pk"))
    records: dict[tuple, PaperRecord] = {}
    signatures = []
    classes = sorted({p.class_name for p in people if p.audience == Audience.PUPIL_YOUNGER})
    skipped_class = classes[-1] if classes else None

    def batch(method, agreement, group, day):
        key = (method, agreement.audience, group)
        if key not in records:
            records[key] = PaperRecord.objects.create(
                school=school,
                version=agreement.current,
                method=method,
                signed_on=day,
                group=group,
                recorded_by_id=office,
                note="Discussed in the first computing lesson." if method == Method.CLASS else "",
            )
        return records[key]

    for person in people:
        agreement = agreements[person.audience]
        share, method = MIX[Audience(person.audience)]
        if person.user_id in accounts or rng.random() > share:
            continue
        if person.audience == Audience.PUPIL_YOUNGER and person.class_name == skipped_class:
            continue
        if method is None:
            method = Method.LINK if rng.random() < 0.5 else Method.PAPER
        if office is None and method in (Method.PAPER, Method.CLASS):
            method = Method.LINK
        day = start + dt.timedelta(days=rng.randint(0, min(days, 40)))
        extra = {}
        if method in (Method.PAPER, Method.CLASS):
            group = person.class_name if person.kind == "pupil" else "Parents' evening"
            record = batch(method, agreement, group, day)
            extra = {
                "paper": record,
                "recorded_by_id": office,
                "signed_at": _at(record.signed_on, 12),
            }
        else:
            extra = {
                "typed_name": person.full_name,
                "signed_at": _at(day, rng.randint(8, 21)),
                "ip": f"192.0.2.{rng.randint(1, 254)}",
                "user_agent": "Mozilla/5.0 (demo)",
            }
        signatures.append(
            Signature(
                school=school,
                person=person,
                agreement=agreement,
                version=agreement.current,
                number=agreement.current.number,
                text_hash=agreement.current.text_hash,
                method=method,
                **extra,
            )
        )
    Signature.objects.bulk_create(signatures, batch_size=2000)
    counts = Counter(s.paper_id for s in signatures if s.paper_id)
    for record in records.values():
        record.count = counts[record.pk]
        record.save(update_fields=["count"])
    return len(signatures)
