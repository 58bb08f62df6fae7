"""The 72-hour ICO clock: how long is left, reminders as it nears, and My tasks.

The clock runs from when the school became aware (`aware_at`) until the ICO decision is made:
not notifiable, or notified (`clock_running_q`). Reminders go to the DPO and SIRO 24, 48 and 64
hours in, once each, only while it runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bastion.core.models import School
from bastion.core.permissions import PERMISSIONS
from bastion.incidents.models import ICO_HOURS, Action, Incident, clock_running_q
from bastion.lib.dates import long_datetime
from bastion.notify.models import OutboxMessage
from bastion.notify.mytasks import Task, provider
from bastion.notify.schedule import job
from bastion.notify.services import mail_queue

REMINDER_HOURS = (24, 48, 64)
# Past the deadline the clock still shows, but no more reminders go out after this long:
# a register brought in from a spreadsheet must not mail about last year's incidents.
REMIND_UNTIL = dt.timedelta(hours=ICO_HOURS) + dt.timedelta(days=7)


@dataclass
class Clock:
    incident: Incident
    now: dt.datetime

    @property
    def running(self) -> bool:
        i = self.incident
        decided = i.notify_ico is False or (i.notify_ico and i.ico_notified_at is not None)
        return i.status != Incident.Status.CLOSED and not decided

    @property
    def deadline(self) -> dt.datetime:
        return self.incident.ico_deadline

    @property
    def remaining(self) -> dt.timedelta:
        return self.deadline - self.now

    @property
    def overdue(self) -> bool:
        return self.running and self.remaining <= dt.timedelta(0)

    @property
    def text(self) -> str:
        """'41 hours 12 minutes left', or 'overdue by 5 hours 3 minutes'."""
        minutes = int(abs(self.remaining.total_seconds()) // 60)
        hours, minutes = divmod(minutes, 60)
        parts = ([f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []) + [
            f"{minutes} minute{'s' if minutes != 1 else ''}"
        ]
        span = " ".join(parts)
        return f"overdue by {span}" if self.remaining <= dt.timedelta(0) else f"{span} left"


def clock_for(incident: Incident, now: dt.datetime | None = None) -> Clock:
    return Clock(incident, now or timezone.now())


def open_clocks(schools: School | Iterable[School], now: dt.datetime | None = None) -> list[Clock]:
    """Open incidents of one school (or several: a trust's dashboard) with their clocks,
    the running clocks first, soonest deadline first. One query, whatever the data."""
    schools = [schools] if isinstance(schools, School) else list(schools)
    now = now or timezone.now()
    incidents = (
        Incident.objects.filter(school__in=schools)
        .exclude(status=Incident.Status.CLOSED)
        .select_related("school")
        .order_by("aware_at", "id")
    )
    clocks = [Clock(incident, now) for incident in incidents]
    return sorted(clocks, key=lambda c: (not c.running, c.deadline))


def _handlers_by_school(school_ids: set[int]) -> dict[int, list]:
    from bastion.incidents.services import handlers

    schools = School.objects.filter(pk__in=school_ids)
    return {school.pk: handlers(school) for school in schools}


@job("incident-clock")
def incident_clock_reminders() -> str:
    """Remind the DPO and SIRO 24, 48 and 64 hours after the school became aware, while the
    ICO decision is still open: the latest threshold passed, once per incident."""
    now = timezone.now()
    incidents = (
        Incident.objects.filter(clock_running_q())
        .exclude(status=Incident.Status.CLOSED)
        .filter(aware_at__lte=now - dt.timedelta(hours=REMINDER_HOURS[0]))
        .filter(aware_at__gt=now - REMIND_UNTIL)
        .select_related("school")
    )
    due = []
    for incident in incidents:
        passed = [h for h in REMINDER_HOURS if incident.aware_at + dt.timedelta(hours=h) <= now]
        due.append((incident, passed[-1]))
    if not due:
        return "queued 0"
    people = _handlers_by_school({incident.school_id for incident, _ in due})
    wanted = {
        f"incident-clock:{incident.pk}:{hours}h:{user.pk}": (incident, hours, user)
        for incident, hours in due
        for user in people.get(incident.school_id, [])
    }
    already = set(
        OutboxMessage.objects.filter(dedupe_key__in=wanted).values_list("dedupe_key", flat=True)
    )
    queued = 0
    for key, (incident, hours, user) in wanted.items():
        if key not in already:
            queued += _remind(key, incident, hours, user, now) is not None
    return f"queued {queued}"


def _remind(key: str, incident: Incident, hours: int, user, now: dt.datetime):
    school = incident.school
    clock = clock_for(incident, now)
    link = settings.SITE_URL + reverse(
        "incident-detail", kwargs={"school": school.slug, "pk": incident.pk}
    )
    deadline = timezone.localtime(clock.deadline)
    return mail_queue(
        to=user.email,
        subject=f"{incident.reference}: {clock.text} to decide on telling the ICO",
        body=(
            f"Hello {user.first_name or user.email},\n\n"
            f"{school.name} became aware of incident {incident.reference} "
            f"({incident.get_kind_display()}) {hours} hours ago. The decision whether to report "
            f"it to the ICO is still open.\n\n"
            f"Deadline: {deadline:%A} {long_datetime(deadline)} ({clock.text}).\n\n"
            f"Record the decision here: {link}\n"
        ),
        dedupe_key=key,
        school=school,
    )


@provider
def incidents_to_handle(user, memberships):
    """For the DPO and SIRO: triage new reports, and decide on the ICO while the clock runs."""
    schools = {
        m.school_id: m.school for m in memberships if m.roles & PERMISSIONS["incidents.handle"]
    }
    if not schools:
        return []
    incidents = (
        Incident.objects.filter(school__in=list(schools))
        .exclude(status=Incident.Status.CLOSED)
        .filter(Q(status=Incident.Status.REPORTED) | clock_running_q())
        .only(
            "school_id", "reference", "status", "aware_at", "kind", "notify_ico", "ico_notified_at"
        )
        .order_by("aware_at", "id")
    )
    now = timezone.now()
    tasks = []
    for incident in incidents:
        school = schools[incident.school_id]
        url = reverse("incident-detail", kwargs={"school": school.slug, "pk": incident.pk})
        clock = clock_for(incident, now)
        if incident.status == Incident.Status.REPORTED:
            title = f"Triage {incident.reference} ({incident.get_kind_display()})"
        else:
            title = f"Decide whether to tell the ICO about {incident.reference}"
        if clock.running:
            title += f": ICO deadline {clock.text}"
        due = timezone.localdate(clock.deadline) if clock.running else None
        tasks.append(Task(title, url, school=school, due=due, urgent=True))
    return tasks


@provider
def my_actions(user, memberships):
    """Open incident actions the user owns; overdue ones are urgent."""
    schools = {m.school_id: m.school for m in memberships}
    if not schools:
        return []
    actions = (
        Action.objects.filter(owner=user, done_at__isnull=True, school__in=list(schools))
        .select_related("incident")
        .only("school_id", "description", "due_on", "incident__reference")
    )
    today = timezone.localdate()
    tasks = []
    for action in actions:
        school = schools[action.school_id]
        overdue = action.due_on < today
        tasks.append(
            Task(
                f"{action.incident.reference}: {action.description}"
                + (" (overdue)" if overdue else ""),
                reverse("action-done", kwargs={"school": school.slug, "pk": action.pk}),
                school=school,
                due=action.due_on,
                urgent=overdue,
            )
        )
    return tasks
