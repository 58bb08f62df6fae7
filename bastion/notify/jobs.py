"""The foundation's scheduled jobs: deliver the outbox, remind before a password ages out."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.urls import reverse
from django.utils import timezone

from bastion.core.models import Membership
from bastion.lib.dates import long_date
from bastion.notify.models import OutboxMessage
from bastion.notify.schedule import job
from bastion.notify.services import mail_queue, outbox_flush

PASSWORD_WARNING_DAYS = 14


@job("outbox")
def deliver_outbox() -> str:
    return str(outbox_flush())


def _password_deadlines() -> dict:
    """{user: (due, school)} for each member with a usable password, by their strictest school."""
    memberships = (
        Membership.objects.active()
        .filter(
            school__password_max_age_days__isnull=False, user__password_changed_at__isnull=False
        )
        .exclude(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .select_related("user", "school")
    )
    deadlines: dict = {}
    for membership in memberships.iterator(chunk_size=1000):
        user, school = membership.user, membership.school
        due = user.password_changed_at + dt.timedelta(days=school.password_max_age_days)
        if user not in deadlines or due < deadlines[user][0]:
            deadlines[user] = (due, school)
    return deadlines


@job("password-age-reminders", every=dt.timedelta(hours=1))
def password_age_reminders() -> str:
    """Tell staff two weeks before their school's password age runs out (once per change)."""
    now = timezone.now()
    soon = {
        f"password-age:{user.pk}:{user.password_changed_at:%Y%m%d%H%M%S}": (user, due, school)
        for user, (due, school) in _password_deadlines().items()
        if now <= due <= now + dt.timedelta(days=PASSWORD_WARNING_DAYS)
    }
    already = set(
        OutboxMessage.objects.filter(dedupe_key__in=soon).values_list("dedupe_key", flat=True)
    )
    queued = 0
    for key, (user, due, school) in soon.items():
        if key in already:
            continue
        message = mail_queue(
            to=user.email,
            subject="Your Bastion password is due for a change",
            body=(
                f"Hello {user.first_name or user.email},\n\n"
                f"{school.name} asks staff to change their Bastion password every "
                f"{school.password_max_age_days} days. Yours is due on "
                f"{long_date(due)}.\n\n"
                f"Change it here: {settings.SITE_URL}{reverse('account_change_password')}\n"
            ),
            dedupe_key=key,
            school=school,
        )
        queued += message is not None
    return f"queued {queued}"
