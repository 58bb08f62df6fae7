"""Single Central Record reminders: checks still missing after a start date, re-checks due."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from bastion.core.models import Membership, School
from bastion.core.permissions import PERMISSIONS
from bastion.lib.text import plural
from bastion.notify.schedule import job
from bastion.notify.services import mail_queue
from bastion.people import scr
from bastion.people.models import Person


def keepers_q() -> Q:
    """Memberships of those who keep the record: the roles that may edit it."""
    q = Q(pk__in=[])
    for role in sorted(PERMISSIONS["scr.edit"]):
        q |= Q(**{Membership.ROLE_FIELDS[role]: True})
    return q


def scr_gaps(school, today: dt.date | None = None) -> dict[str, int]:
    """Counts for the reminder: people working with checks missing, and DBS re-checks due."""
    today = today or timezone.localdate()
    people = Person.objects.filter(school=school).filter(scr.on_roll_q(today)).in_scr_scope()
    # No start date on record counts as started: most such people came from the MIS in post.
    started = Q(started_on__lte=today) | Q(started_on__isnull=True)
    counts = people.aggregate(
        started_with_gaps=Count(
            "pk", filter=started & (Q(scr__complete=False) | Q(scr__isnull=True))
        ),
        recheck_due=Count("pk", filter=scr.recheck_due_q(scr.recheck_cutoff(school, today))),
    )
    return {name: counts[name] or 0 for name in ("started_with_gaps", "recheck_due")}


@job("scr-reminders", every=dt.timedelta(hours=6))
def scr_reminders() -> str:
    """Once a week per school, tell those who keep the SCR what it is missing (counts only:
    no names in e-mail)."""
    today = timezone.localdate()
    year, week, _ = today.isocalendar()
    queued = 0
    for school in School.objects.all().iterator():
        gaps = scr_gaps(school, today)
        if not any(gaps.values()):
            continue
        link = f"{settings.SITE_URL}{reverse('scr-report', kwargs={'school': school.slug})}"
        recipients = (
            Membership.objects.active()
            .filter(school=school)
            .filter(keepers_q())
            .select_related("user")
        )
        started = plural(gaps["started_with_gaps"], "person has", "people have")
        recheck = plural(gaps["recheck_due"], "DBS re-check is", "DBS re-checks are")
        for membership in recipients:
            message = mail_queue(
                to=membership.user.email,
                subject=f"Single Central Record: action needed at {school.name}",
                body=(
                    f"Hello {membership.user.first_name or membership.user.email},\n\n"
                    f"The Single Central Record of {school.name} needs attention:\n"
                    f"- {started} started work with checks missing\n"
                    f"- {recheck} due\n\n"
                    f"See the record: {link}\n"
                ),
                dedupe_key=f"scr-gaps:{school.pk}:{membership.user_id}:{year}-W{week:02d}",
                school=school,
            )
            queued += message is not None
    return f"queued {queued}"


@job("people-imports")
def people_imports() -> str:
    """Apply large roster imports queued from the browser."""
    from bastion.people.import_jobs import run_queued

    return f"ran {run_queued()}"
