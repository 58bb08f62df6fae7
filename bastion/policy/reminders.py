"""The annual review's reminders: an e-mail to the SIRO and the DPO a month before the next
review is due (once for each due date), and a My tasks entry until it is signed off."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bastion.core.models import Membership
from bastion.lib.dates import long_date
from bastion.notify.models import OutboxMessage
from bastion.notify.mytasks import Task, provider
from bastion.notify.schedule import job
from bastion.notify.services import mail_queue
from bastion.policy.models import PolicyVersion
from bastion.policy.services import plus_months

SUBJECT = "The E-Security Policy of {school} is due for its annual review"


def _key(membership: Membership) -> str:
    school = membership.school
    return f"policy-review:{school.pk}:{school.next_review_date:%Y%m%d}:{membership.user_id}"


@job("policy-review-reminders", every=dt.timedelta(hours=6))
def policy_review_reminders() -> str:
    """Tell the SIRO and the DPO of each school whose next review is a month away or less."""
    today = timezone.localdate()
    memberships = (
        Membership.objects.active()
        .filter(school__next_review_date__lte=plus_months(today, 1))
        .filter(Q(is_siro=True) | Q(is_dpo=True))
        .select_related("user", "school")
        .order_by("pk")
    )
    due = {_key(m): m for m in memberships}
    already = set(
        OutboxMessage.objects.filter(dedupe_key__in=due).values_list("dedupe_key", flat=True)
    )
    queued = 0
    for key, membership in due.items():
        if key in already:
            continue
        school, user = membership.school, membership.user
        url = settings.SITE_URL + reverse("policy-detail", kwargs={"school": school.slug})
        message = mail_queue(
            to=user.email,
            subject=SUBJECT.format(school=school.name),
            body=(
                f"Hello {user.first_name or user.email},\n\n"
                f"The E-Security Policy of {school.name} is due for its annual review by "
                f"{long_date(school.next_review_date)}.\n\n"
                "The DPO or the SIRO starts the review, the policy's statements are checked and "
                "brought up to date, and the SIRO signs it off.\n\n"
                f"Open the policy: {url}\n"
            ),
            dedupe_key=key,
            school=school,
        )
        queued += message is not None
    return f"queued {queued}"


@provider
def policy_review_tasks(user, memberships):
    """The review, for the SIRO and the DPO: due within a month, or a review to finish."""
    officers = [m for m in memberships if m.is_siro or m.is_dpo]
    if not officers:
        return []
    today = timezone.localdate()
    drafts = set(
        PolicyVersion.objects.filter(
            school__in=[m.school for m in officers], status=PolicyVersion.Status.DRAFT
        ).values_list("school_id", flat=True)
    )
    tasks = []
    for membership in officers:
        school = membership.school
        url = reverse("policy-detail", kwargs={"school": school.slug})
        due = school.next_review_date
        if school.pk in drafts:
            if membership.is_siro:
                title = f"Sign off the review of the E-Security Policy of {school.name}"
                url = reverse("policy-sign-off", kwargs={"school": school.slug})
            else:
                title = f"Finish the review of the E-Security Policy of {school.name}"
            tasks.append(Task(title, url, school=school, due=due, urgent=bool(due and due < today)))
        elif due is not None and due <= plus_months(today, 1):
            tasks.append(
                Task(
                    f"Review the E-Security Policy of {school.name}"
                    + (" (overdue)" if due < today else ""),
                    url,
                    school=school,
                    due=due,
                    urgent=due < today,
                )
            )
    return tasks
