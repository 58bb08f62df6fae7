"""The register's evidence for the compliance dashboard: P3 (the register is kept: owners,
reviews, retention) and T1 (special category data in secure areas). One query each, whatever
the number of schools."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.urls import reverse

from bastion.assets import rules
from bastion.assets.models import InformationAsset
from bastion.controls.registry import ATTENTION, MET, OVERDUE, Action, Evidence, computed
from bastion.lib.text import plural


def _list(school, flag: str) -> str:
    return reverse("asset-list", kwargs={"school": school.slug}) + f"?flag={flag}"


def _by_school(schools, **counts) -> dict[int, dict]:
    rows = (
        InformationAsset.objects.filter(school__in=schools)
        .filter(rules.current_q())
        .values("school")
        .annotate(total=Count("pk"), **counts)
        .order_by()
    )
    return {row["school"]: row for row in rows}


@computed("P3", "Information asset register")
def asset_register(schools, today: dt.date) -> dict[int, Evidence]:
    """Every asset has a current member of staff as owner, was reviewed within a year, and none
    is kept past its retention period."""
    found = rules.rules(today)
    problem = found["no_owner"] | found["review_due"] | found["past_retention"]
    counts = _by_school(
        schools,
        no_owner=Count("pk", filter=found["no_owner"]),
        review_due=Count("pk", filter=found["review_due"]),
        past_retention=Count("pk", filter=found["past_retention"]),
        kept=Count("pk", filter=~problem),
    )
    result = {}
    for school in schools:
        row = counts.get(school.pk)
        if not row:
            result[school.pk] = Evidence(
                ATTENTION,
                "No information assets are recorded yet.",
                (Action("Record the information asset register", _list(school, "")),),
                value=0.0,
                facts={"assets": 0},
            )
            continue
        total, kept = row["total"], row["kept"]
        actions = tuple(
            Action(text(row[key]), _list(school, key), row[key])
            for key, text in (
                ("no_owner", lambda n: f"Name a current owner for {plural(n, 'asset', 'assets')}"),
                ("review_due", lambda n: f"Review {plural(n, 'asset', 'assets')}"),
                (
                    "past_retention",
                    lambda n: (
                        f"Dispose of or weed {plural(n, 'asset', 'assets')} past "
                        "their retention period"
                    ),
                ),
            )
            if row[key]
        )
        if row["review_due"] or row["past_retention"]:
            status = OVERDUE
        elif row["no_owner"]:
            status = ATTENTION
        else:
            status = MET
        result[school.pk] = Evidence(
            status,
            f"{kept} of {plural(total, 'asset has', 'assets have')} a current owner, a review "
            f"within a year and nothing past retention ({kept * 100 // total}%).",
            actions,
            value=kept / total,
            facts={"assets": total, **{key: row[key] for key in ("no_owner", "review_due")}},
        )
    return result


@computed("T1", "Secure storage of sensitive data")
def secure_storage(schools, today: dt.date) -> dict[int, Evidence]:
    """Assets holding special category data are kept in secure areas."""
    special = Q(special_category=True)
    counts = _by_school(
        schools,
        special=Count("pk", filter=special),
        not_secure=Count("pk", filter=special & Q(secure_area=False)),
    )
    result = {}
    for school in schools:
        row = counts.get(school.pk) or {"special": 0, "not_secure": 0}
        special_n, bare = row["special"], row["not_secure"]
        if not special_n:
            result[school.pk] = Evidence(
                ATTENTION,
                "No information asset is recorded as holding special category data; a school "
                "holds some (medical, SEN, safeguarding).",
                (Action("Record where sensitive data is held", _list(school, "")),),
                facts={"special": 0},
            )
            continue
        actions = ()
        if bare:
            text = f"Move {plural(bare, 'asset', 'assets')} with special category data to a "
            actions = (Action(text + "secure area", _list(school, "not_secure"), bare),)
        secure = special_n - bare
        result[school.pk] = Evidence(
            ATTENTION if bare else MET,
            f"{secure} of {plural(special_n, 'asset', 'assets')} holding special category data "
            f"{'is' if special_n == 1 else 'are'} in a secure area ({secure * 100 // special_n}%).",
            actions,
            value=secure / special_n,
            facts={"special": special_n, "not_secure": bare},
        )
    return result
