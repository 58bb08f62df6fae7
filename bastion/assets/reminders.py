"""The yearly review of each asset by its owner: "Review <asset>" on My tasks, and an e-mail
when it falls due (a month ahead), once per due date and at most once a year after that."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from bastion.assets import rules
from bastion.assets.models import InformationAsset
from bastion.core.permissions import PERMISSIONS
from bastion.lib.dates import long_date
from bastion.notify.mytasks import Task, provider
from bastion.notify.schedule import job
from bastion.notify.services import mail_queue

NOTICE = dt.timedelta(days=30)  # the e-mail comes this long before the review falls due


def due_on(asset: InformationAsset) -> dt.date | None:
    """A year after the last review; None if it was never reviewed (due now)."""
    last = asset.last_reviewed_on
    if last is None:
        return None
    try:
        return last.replace(year=last.year + 1)
    except ValueError:
        return last.replace(year=last.year + 1, day=28)


@provider
def asset_reviews(user, memberships):
    """The user's own assets whose yearly review is due; one query."""
    schools = {m.school_id: m.school for m in memberships if m.roles & PERMISSIONS["assets.own"]}
    if not schools:
        return []
    today = timezone.localdate()
    due = (
        InformationAsset.objects.filter(school__in=list(schools), owner__user=user)
        .filter(rules.current_q(), rules.review_due_q(today))
        .only("pk", "name", "school_id", "last_reviewed_on")
        .order_by("last_reviewed_on", "name")
    )
    tasks = []
    for asset in due:
        school = schools[asset.school_id]
        url = reverse("asset-detail", kwargs={"school": school.slug, "pk": asset.pk})
        tasks.append(Task(f"Review {asset.name}", url, school=school, due=due_on(asset) or today))
    return tasks


def _dedupe_key(asset: InformationAsset, today: dt.date) -> str:
    due = due_on(asset)
    if due is None or due < rules.year_before(today):
        return f"asset-review:{asset.pk}:overdue-{today.year}"
    return f"asset-review:{asset.pk}:{due.isoformat()}"


@job("asset-review-reminders", every=dt.timedelta(hours=12))
def asset_review_reminders() -> str:
    """E-mail each owner about each asset due its yearly review."""
    today = timezone.localdate()
    due = (
        InformationAsset.objects.filter(rules.current_q(), owner__isnull=False)
        .filter(rules.review_due_q(today + NOTICE))
        .filter(rules.owner_ok_q(today))
        .select_related("owner__user", "school")
        .order_by("pk")
    )
    queued = 0
    for asset in due.iterator(chunk_size=500):
        owner = asset.owner
        account = owner.user if owner.user_id and owner.user.is_active else None
        to = account.email if account else owner.email
        if not to:
            continue
        day = due_on(asset)
        when = f"on {long_date(day)}" if day and day >= today else "now"
        link = settings.SITE_URL + reverse(
            "asset-detail", kwargs={"school": asset.school.slug, "pk": asset.pk}
        )
        message = mail_queue(
            to=to,
            subject=f"Review the information asset “{asset.name}” ({asset.school.name})",
            body=(
                f"Hello {owner.first_name},\n\n"
                f"You are the information asset owner of “{asset.name}” at {asset.school.name}. "
                f"Its yearly review is due {when}"
                + (
                    f" (last reviewed on {long_date(asset.last_reviewed_on)})"
                    if asset.last_reviewed_on
                    else " (it has never been reviewed)"
                )
                + ".\n\nCheck that its entry is still right: who has access, where it is held, "
                "who it is shared with, and whether any of it is past its retention period. "
                f"Then press “Mark reviewed today”.\n\n{link}\n"
            ),
            dedupe_key=_dedupe_key(asset, today),
            school=asset.school,
        )
        queued += message is not None
    return f"queued {queued}"
