"""P14 on the dashboard: is the yearly housekeeping done?

The school's latest campaign decides, with these thresholds:
- none yet: needs attention (open one);
- running (deadline still to come): met, with the share of staff who have attested;
- past its deadline in the same school year with staff still missing: overdue;
- otherwise (everyone attested, or its school year is over) it counts as done on its deadline:
  met for DUE_SOON_DAYS after that, then needs attention (the next one is due within a month),
  and overdue once it is more than a year old.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from bastion.controls.registry import ATTENTION, MET, OVERDUE, Action, Evidence, computed
from bastion.housekeeping.campaigns import progress, school_year
from bastion.housekeeping.models import Campaign
from bastion.lib.dates import long_date

YEAR_DAYS = 365
DUE_SOON_DAYS = 335  # a month before the year is up, the next campaign needs opening


@computed("P14", "Housekeeping")
def housekeeping(schools, today: dt.date) -> dict[int, Evidence]:
    """Two queries over every school: the campaigns, and the progress of each latest one."""
    latest: dict[int, Campaign] = {}
    for campaign in Campaign.objects.filter(school__in=schools).order_by("school_id", "-year"):
        latest.setdefault(campaign.school_id, campaign)
    done = progress(latest.values())
    result = {}
    for school in schools:
        url = reverse("housekeeping-campaigns", kwargs={"school": school.slug})
        campaign = latest.get(school.pk)
        if campaign is None:
            result[school.pk] = Evidence(
                ATTENTION,
                "No yearly housekeeping has been run yet",
                actions=(Action("Open this year's housekeeping", url),),
                value=0.0,
            )
            continue
        p = done[campaign.pk]
        counts = f"{p.done} of {p.required} staff have attested ({p.percent}%)"
        facts = {"year": campaign.label, "required": p.required, "attested": p.done}
        detail = reverse("housekeeping-campaign", kwargs={"school": school.slug, "pk": campaign.pk})
        if today <= campaign.deadline:
            summary = f"Housekeeping {campaign.label} is running: {counts}; deadline "
            summary += long_date(campaign.deadline)
            result[school.pk] = Evidence(MET, summary, value=p.share, facts=facts)
        elif p.missing and campaign.year == school_year(today):
            result[school.pk] = Evidence(
                OVERDUE,
                f"Housekeeping {campaign.label}: the deadline was "
                f"{long_date(campaign.deadline)} and "
                f"{p.missing} of {p.required} staff have not attested",
                actions=(
                    Action(
                        f"{p.missing} staff have not done their yearly housekeeping",
                        detail,
                        p.missing,
                    ),
                ),
                value=p.share,
                facts=facts,
            )
        else:
            age = (today - campaign.deadline).days
            summary = (
                f"Last housekeeping {campaign.label} closed on {long_date(campaign.deadline)}: "
            )
            summary += counts
            if age > YEAR_DAYS:
                status, action = OVERDUE, "Housekeeping is more than a year old: open this year's"
            elif age > DUE_SOON_DAYS:
                status, action = (
                    ATTENTION,
                    "Open this year's housekeeping: the last is nearly a year old",
                )
            else:
                status, action = MET, ""
            actions = (Action(action, url),) if action else ()
            result[school.pk] = Evidence(
                status, summary, actions=actions, value=p.share, facts=facts
            )
    return result
