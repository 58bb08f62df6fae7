"""The demo school's policy: the default template, with last September's review signed off and
archived as version 1, and a few changes made since, so that comparing versions shows something.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bastion.core.models import Membership, School
from bastion.policy import document, facts
from bastion.policy.models import Policy, PolicyVersion, Section, Statement
from bastion.policy.services import plus_years, policy_create

# The wording of last year's version, where it differs from today's (template key: text).
LAST_YEAR = {
    "filtering": (
        "We have approved educational web filtering across our wired and wireless networks. "
        "We also have an additional layer of monitoring software across our network system."
    ),
    "lock-out": (
        "We require staff to log out of systems when leaving their computer, but also enforce "
        "lock-out after 15 minutes."
    ),
}
REMOVED_SINCE = (
    "Staff may carry school documents on their own USB sticks if the stick has a password."
)


def _last_september(today: dt.date) -> dt.date:
    return dt.date(today.year if today.month >= 9 else today.year - 1, 9, 1)


@transaction.atomic
def seed_policy(school: School, *, today: dt.date | None = None) -> Policy:
    """Create the demo policy of `school` once; return it (the existing one when there is)."""
    existing = Policy.objects.filter(school=school).first()
    if existing is not None:
        return existing
    today = today or timezone.localdate()
    reviewed_on = _last_september(today)
    officers = {
        ("siro" if m.is_siro else "dpo"): m.user
        for m in Membership.objects.active()
        .filter(school=school)
        .filter(Q(is_siro=True) | Q(is_dpo=True))
        .select_related("user")
    }
    siro, dpo = officers.get("siro"), officers.get("dpo")
    reviewer = dpo or siro
    reviewed_by = facts.person_name(reviewer) if reviewer else school.reviewed_by

    policy = policy_create(actor=None, school=school)
    by_key = {s.template_key: s for s in Statement.objects.filter(policy=policy)}
    current = {key: by_key[key].text for key in LAST_YEAR}
    for key, text in LAST_YEAR.items():
        Statement.objects.filter(pk=by_key[key].pk).update(text=text)
    strategic = Section.objects.filter(policy=policy).order_by("position").first()
    removed = Statement.objects.create(
        school=school, policy=policy, section=strategic, text=REMOVED_SINCE, position=99
    )

    # Last September's review, as it read then.
    school.policy_review_date = reviewed_on
    school.next_review_date = plus_years(reviewed_on)
    school.reviewed_by = reviewed_by
    School.objects.filter(pk=school.pk).update(
        policy_review_date=school.policy_review_date,
        next_review_date=school.next_review_date,
        reviewed_by=reviewed_by,
    )
    policy.school = school
    signed_at = timezone.make_aware(dt.datetime.combine(reviewed_on, dt.time(15, 30)))
    PolicyVersion.objects.create(
        school=school,
        policy=policy,
        number=1,
        status=PolicyVersion.Status.SIGNED_OFF,
        started_by=reviewer,
        started_at=signed_at - dt.timedelta(days=10),
        reviewed_by=reviewed_by,
        signed_off_by=siro,
        signed_off_name=facts.person_name(siro) if siro else "",
        signed_off_at=signed_at,
        review_date=school.policy_review_date,
        next_review_date=school.next_review_date,
        snapshot=document.to_snapshot(document.build(policy)),
    )

    # What changed since: the DfE filtering standard, a shorter lock-out, a statement dropped.
    for key, text in current.items():
        Statement.objects.filter(pk=by_key[key].pk).update(text=text)
    removed.delete()
    return policy
