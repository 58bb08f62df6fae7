"""The register's flags. Each is a Q over InformationAsset, so one list query filters by it,
marks every row and counts the problems (like the device rules in bastion/equipment/devices.py).
Archived assets are never flagged."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from bastion.assets.models import InformationAsset
from bastion.people.models import Kind


@dataclass(frozen=True)
class Flag:
    key: str
    label: str
    why: str


FLAGS = (
    Flag(
        "no_owner",
        "No current owner",
        "Every asset has an information asset owner who is a current member of staff (P3).",
    ),
    Flag("review_due", "Review due", "Each asset is reviewed by its owner at least once a year."),
    Flag(
        "past_retention",
        "Past its retention period",
        "Kept after its “held until” date, or records past their retention period not "
        "weeded out for more than a year (P14).",
    ),
    Flag(
        "no_condition",
        "No Article 9 condition",
        "Special category data needs a condition of UK GDPR Article 9 as well as a lawful basis.",
    ),
    Flag("dpia_missing", "DPIA not done", "A data protection impact assessment is needed."),
    Flag(
        "not_secure",
        "Not in a secure area",
        "Special category data is kept in secure areas: a restricted network area or system, "
        "or lockable storage in a lockable room (T1).",
    ),
)
KEYS = tuple(flag.key for flag in FLAGS)


def year_before(today: dt.date) -> dt.date:
    """The same day a year earlier (28 February for a 29 February)."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:
        return today.replace(year=today.year - 1, day=28)


def current_q() -> Q:
    return Q(archived_on__isnull=True)


def owner_ok_q(today: dt.date) -> Q:
    """The owner is a current member of staff."""
    return Q(owner__kind=Kind.STAFF) & (
        Q(owner__left_on__isnull=True) | Q(owner__left_on__gt=today)
    )


def review_due_q(today: dt.date) -> Q:
    return Q(last_reviewed_on__isnull=True) | Q(last_reviewed_on__lte=year_before(today))


def past_retention_q(today: dt.date) -> Q:
    year_ago = year_before(today)
    # Added on or before that day, like a weeding on or before it.
    day_after = year_ago + dt.timedelta(days=1)
    end_of = dt.datetime.combine(day_after, dt.time.min, tzinfo=timezone.get_current_timezone())
    # A rolling collection (a period, no end date) is weeded yearly; a new one has a year's grace.
    unweeded = Q(held_until__isnull=True, retention_years__isnull=False) & (
        Q(weeded_on__lte=year_ago) | Q(weeded_on__isnull=True, created_at__lt=end_of)
    )
    return Q(held_until__lt=today) | unweeded


def rules(today: dt.date | None = None) -> dict[str, Q]:
    """{flag: Q matching the current assets it marks}."""
    today = today or timezone.localdate()
    held = current_q()
    special = Q(special_category=True)
    return {
        "no_owner": held & (Q(owner__isnull=True) | ~owner_ok_q(today)),
        "review_due": held & review_due_q(today),
        "past_retention": held & past_retention_q(today),
        "no_condition": held & special & Q(article9_condition=""),
        "dpia_missing": held & Q(dpia_needed=True, dpia_done_on__isnull=True),
        "not_secure": held & special & Q(secure_area=False),
    }


def with_flags(assets: QuerySet[InformationAsset], found: dict[str, Q]) -> QuerySet:
    """Each asset with `flag_<key>` set when it is flagged."""
    return assets.annotate(
        **{
            f"flag_{key}": ExpressionWrapper(q, output_field=BooleanField())
            for key, q in found.items()
        }
    )


def flagged(asset) -> list[Flag]:
    """The flags of an asset from `with_flags`."""
    return [flag for flag in FLAGS if getattr(asset, f"flag_{flag.key}", False)]


def counts(assets: QuerySet[InformationAsset], found: dict[str, Q]) -> dict[str, int]:
    """How many assets carry each flag, in one query."""
    totals = assets.aggregate(**{key: Count("pk", filter=q) for key, q in found.items()})
    return {key: totals[key] or 0 for key in found}
