"""P12 on the dashboard: is every removal of data back (or destroyed) when it should be?

Met when no data is off site past its due date. A return a few days late (up to GRACE_DAYS,
while the chasing mails go out) needs attention; later than that it is overdue.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min, Q
from django.urls import reverse

from bastion.controls.registry import ATTENTION, MET, OVERDUE, Action, Evidence, computed
from bastion.offsite.models import Removal

GRACE_DAYS = 7


@computed("P12", "Data taken off site")
def data_off_site(schools, today: dt.date) -> dict[int, Evidence]:
    """One query over every school: removals off site now, and those past their due date."""
    out = Q(status=Removal.Status.APPROVED)
    late = out & Q(due_on__lt=today)
    rows = (
        Removal.objects.filter(school__in=schools)
        .values("school")
        .annotate(
            out=Count("pk", filter=out),
            late=Count("pk", filter=late),
            first_due=Min("due_on", filter=late),
        )
        .order_by()
    )
    found = {row["school"]: row for row in rows}
    result = {}
    for school in schools:
        row = found.get(school.pk, {"out": 0, "late": 0, "first_due": None})
        n_out, n_late = row["out"], row["late"]
        url = reverse("offsite-list", kwargs={"school": school.slug})
        value = 1.0 if not n_out else (n_out - n_late) / n_out
        if not n_late:
            summary = (
                f"{n_out} removal{'s' if n_out != 1 else ''} of data off site, none overdue"
                if n_out
                else "No data is off site"
            )
            result[school.pk] = Evidence(MET, summary, value=value, facts={"off_site": n_out})
            continue
        days = (today - row["first_due"]).days
        status = OVERDUE if days > GRACE_DAYS else ATTENTION
        result[school.pk] = Evidence(
            status,
            f"{n_late} of {n_out} removals of data off site {'is' if n_late == 1 else 'are'} "
            f"past the due date (the oldest by {days} day{'s' if days != 1 else ''})",
            actions=(
                Action(
                    f"{n_late} removal{'s' if n_late != 1 else ''} of data overdue for return",
                    f"{url}?show=overdue",
                    n_late,
                ),
            ),
            value=value,
            facts={"off_site": n_out, "overdue": n_late},
        )
    return result
