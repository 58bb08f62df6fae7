"""P0 on the controls dashboard: the policy is reviewed every year and the review recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.urls import reverse

from bastion.controls.registry import ATTENTION, MET, OVERDUE, Action, Evidence, computed
from bastion.core.models import School
from bastion.lib.dates import long_date
from bastion.policy.models import PolicyVersion
from bastion.policy.services import plus_months, plus_years


@computed("P0", "Annual policy review")
def annual_review(schools: Sequence, today: dt.date) -> dict[int, Evidence]:
    """Met: signed off within a year and the next review not past. Needs attention: the next
    review is within a month (or not set). Overdue: no review, a year old, or past its date.
    Two queries, whatever the number of schools."""
    ids = [s.pk for s in schools]
    rows = School.objects.filter(pk__in=ids).values(
        "pk", "slug", "policy_review_date", "next_review_date"
    )
    drafts = dict(
        PolicyVersion.objects.filter(school_id__in=ids, status=PolicyVersion.Status.DRAFT)
        .order_by()
        .values_list("school_id", "started_at")
    )
    year_ago, month_ahead = plus_years(today, -1), plus_months(today, 1)
    found = {}
    for row in rows:
        url = reverse("policy-detail", kwargs={"school": row["slug"]})
        reviewed, due = row["policy_review_date"], row["next_review_date"]
        underway = " A review is in progress." if row["pk"] in drafts else ""
        action = Action("Review the E-Security Policy", url)
        if reviewed is None:
            evidence = Evidence(OVERDUE, "No review of the policy is recorded.", (action,), 0.0)
        elif reviewed < year_ago:
            evidence = Evidence(
                OVERDUE,
                f"The policy was last reviewed on {long_date(reviewed)}, over a year ago."
                + underway,
                (action,),
                0.0,
            )
        elif due is not None and due < today:
            evidence = Evidence(
                OVERDUE,
                f"The review was due on {long_date(due)}." + underway,
                (action,),
                0.0,
            )
        elif due is None:
            evidence = Evidence(
                ATTENTION,
                f"Reviewed on {long_date(reviewed)}; no date is set for the next review.",
                (
                    Action(
                        "Set the date of the next review",
                        reverse("school-settings", kwargs={"school": row["slug"]}),
                    ),
                ),
                0.5,
            )
        elif due <= month_ahead:
            evidence = Evidence(
                ATTENTION,
                f"The next review is due on {long_date(due)}." + underway,
                (action,),
                0.5,
            )
        else:
            evidence = Evidence(
                MET,
                f"Reviewed on {long_date(reviewed)}; next review by {long_date(due)}.",
                value=1.0,
                facts={"review_date": reviewed, "next_review_date": due},
            )
        found[row["pk"]] = evidence
    return found
