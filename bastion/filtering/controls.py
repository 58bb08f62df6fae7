"""P7 on the dashboard: the DfE filtering and monitoring standard.

Overdue when the last yearly review is more than a year old (or there has never been one).
Needs attention when no senior leader or governor is named, no active filtering provider is
recorded, the providers leave the wired or the wireless network uncovered (the policy names
both), or the school's regular check is overdue. Met otherwise.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse

from bastion.controls.registry import ATTENTION, MET, OVERDUE, Action, Evidence, computed
from bastion.core.models import School
from bastion.filtering.models import Check, FilteringSetup, Provider
from bastion.filtering.register import Due
from bastion.lib.dates import long_date


@computed("P7", "Web filtering and monitoring")
def filtering_and_monitoring(schools, today: dt.date) -> dict[int, Evidence]:
    """One query over every school: named people, providers' coverage, last check and review."""
    setup = FilteringSetup.objects.filter(school=OuterRef("pk"))
    checks = Check.objects.filter(school=OuterRef("pk")).order_by("-checked_on")
    filtering = Provider.objects.filter(school=OuterRef("pk"), active=True, filters=True)
    rows = (
        School.objects.filter(pk__in=[s.pk for s in schools])
        .annotate(
            leader=Subquery(setup.values("senior_leader_id")[:1]),
            governor_named=Subquery(setup.values("governor_id")[:1]),
            every=Subquery(setup.values("check_every_days")[:1]),
            last_review=Subquery(checks.filter(kind=Check.Kind.REVIEW).values("checked_on")[:1]),
            last_check=Subquery(checks.values("checked_on")[:1]),
            has_provider=Exists(filtering),
            wired=Exists(filtering.filter(covers_wired=True)),
            wireless=Exists(filtering.filter(covers_wireless=True)),
        )
        .values(
            "pk",
            "leader",
            "governor_named",
            "every",
            "last_review",
            "last_check",
            "has_provider",
            "wired",
            "wireless",
        )
    )
    found = {row["pk"]: row for row in rows}
    default_every = FilteringSetup._meta.get_field("check_every_days").default
    result = {}
    for school in schools:
        row = found[school.pk]
        url = reverse("filtering-overview", kwargs={"school": school.slug})
        setup_url = reverse("filtering-setup", kwargs={"school": school.slug})
        check_url = reverse("filtering-check-add", kwargs={"school": school.slug})
        when = Due(row["last_review"], row["last_check"], row["every"] or default_every, today)
        actions, problems = [], []
        if not row["leader"]:
            problems.append("no senior leader is named")
            actions.append(Action("Name the senior leader responsible for filtering", setup_url))
        if not row["governor_named"]:
            problems.append("no governor is named")
            actions.append(Action("Name the governor responsible for filtering", setup_url))
        if not row["has_provider"]:
            problems.append("no filtering provider is recorded")
            actions.append(Action("Record the web filtering provider", url))
        else:
            gaps = [
                n for n, ok in (("wired", row["wired"]), ("wireless", row["wireless"])) if not ok
            ]
            if gaps:
                problems.append(f"filtering does not cover the {' or '.join(gaps)} network")
                actions.append(Action("Record filtering on every network", url))
        if when.review_overdue:
            status = OVERDUE
            if row["last_review"]:
                last = long_date(row["last_review"])
                head = f"The last yearly review was on {last}, over a year ago"
            else:
                head = "No yearly review of filtering and monitoring is recorded"
            actions.insert(0, Action("Review filtering and monitoring", check_url + "?kind=review"))
        else:
            head = (
                f"Reviewed on {long_date(row['last_review'])}; "
                f"next review by {long_date(when.review_due)}"
            )
            if when.check_overdue:
                problems.append(f"a check was due on {long_date(when.check_due)}")
                actions.append(Action("Check filtering and monitoring", check_url))
            status = ATTENTION if problems else MET
        summary = head + ("; " + "; ".join(problems) if problems else "")
        result[school.pk] = Evidence(
            status,
            summary,
            actions=tuple(actions),
            facts={
                "last_review": row["last_review"],
                "next_review": when.review_due,
                "has_provider": row["has_provider"],
            },
        )
    return result
