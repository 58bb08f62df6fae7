"""The foundation's scheduled jobs: deliver the outbox, remind before a password ages out."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from bastion.core.models import Membership
from bastion.notify.schedule import job
from bastion.notify.services import mail_queue, outbox_flush

PASSWORD_WARNING_DAYS = 14


@job("outbox")
def deliver_outbox() -> str:
    sent, failed = outbox_flush()
    return f"sent {sent}, failed {failed}"


@job("password-age-reminders", every=dt.timedelta(hours=1))
def password_age_reminders() -> str:
    """Tell staff two weeks before their school's password age runs out (once per change)."""
    now = timezone.now()
    memberships = (
        Membership.objects.active()
        .filter(
            school__password_max_age_days__isnull=False, user__password_changed_at__isnull=False
        )
        .select_related("user", "school")
    )
    queued = 0
    for membership in memberships.iterator(chunk_size=1000):
        user, school = membership.user, membership.school
        due = user.password_changed_at + dt.timedelta(days=school.password_max_age_days)
        if not (now <= due <= now + dt.timedelta(days=PASSWORD_WARNING_DAYS)):
            continue
        stamp = user.password_changed_at.strftime("%Y%m%d%H%M%S")
        message = mail_queue(
            to=user.email,
            subject="Your Bastion password is due for a change",
            body=(
                f"Hello {user.first_name or user.email},\n\n"
                f"{school.name} asks staff to change their Bastion password every "
                f"{school.password_max_age_days} days. Yours is due on {due:%d %B %Y}.\n\n"
                f"Change it here: {settings.SITE_URL}{reverse('account_change_password')}\n"
            ),
            dedupe_key=f"password-age:{user.pk}:{stamp}",
            school=school,
        )
        queued += message is not None
    return f"queued {queued}"
