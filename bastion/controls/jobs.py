"""The controls' scheduled work: the daily status snapshot, the weekly digest, and My tasks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bastion.controls import status as control_status
from bastion.controls.catalogue import ROWS
from bastion.controls.kept import forget_expired
from bastion.controls.registry import ATTENTION, MET, NOT_APPLICABLE, OVERDUE
from bastion.controls.services import snapshot_statuses
from bastion.core.models import Membership, School
from bastion.core.permissions import PERMISSIONS
from bastion.lib.dates import long_date
from bastion.lib.text import plural
from bastion.notify.mytasks import Task, provider
from bastion.notify.schedule import job
from bastion.notify.services import mail_queue

# Schools are evaluated this many at a time: the trust matrix's size, a fixed number of queries.
CHUNK = 50
DIGEST_ROLES = ("siro", "dpo", "it_lead", "office", "governor")


def _school_chunks() -> Iterator[list[School]]:
    chunk: list[School] = []
    for school in School.objects.order_by("pk").iterator(chunk_size=CHUNK):
        chunk.append(school)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@job("control-snapshots", every=dt.timedelta(hours=1))
def control_snapshots() -> str:
    """Keep today's status of every control of every school (one row each per day)."""
    today = timezone.localdate()
    stored = sum(snapshot_statuses(chunk, today) for chunk in _school_chunks())
    return f"stored {stored}"


# The refresh job renews what is kept this long before it would expire, so that pages, which
# reuse it for up to a quarter of an hour, do not meet it expired between two runs of the job
# (run_schedule every minute or two from cron, or every 15 s as a worker).
AHEAD_SECONDS = 5 * 60


@job("controls-refresh")
def controls_refresh() -> str:
    """Evaluate ahead of the pages: what is kept of a school's controls, its trust matrix row
    and its agreement counts is evaluated again when stale (a change was recorded at the
    school, the day changed, or it is near its quarter hour), so that the pages seldom have
    to: this job, not the request that made a change, brings them up to date. Schools with
    nothing new cost six queries per chunk."""
    from bastion.agreements.coverage import kept_summaries
    from bastion.controls.trust_views import matrix_rows

    today = timezone.localdate()
    evaluated: set[int] = set()
    for chunk in _school_chunks():
        control_status.recent_statuses(chunk, today, evaluated, ahead=AHEAD_SECONDS)
        matrix_rows(chunk, today, ahead=AHEAD_SECONDS)  # built from the statuses just kept
        kept_summaries(chunk, today, ahead=AHEAD_SECONDS)
    forget_expired()
    return f"evaluated {plural(len(evaluated), 'school', 'schools')}"


# The weekly digest -------------------------------------------------------------------------------


def digest_lines(controls, user, roles: set[str]) -> list[str]:
    """What is due and overdue for this member: the checks they own, and the actions of the
    controls they own that need attention. Governors get the school's summary instead."""
    lines = []
    if roles & set(DIGEST_ROLES) - {"governor"}:
        for control in controls:
            if control.status == NOT_APPLICABLE or not control.owned_by(user, roles):
                continue
            state = control.attestation
            if state.status == OVERDUE:
                lines.append(
                    f"- {control.code} {control.title}: check overdue (due {long_date(state.due)})"
                )
            elif state.status == ATTENTION:
                lines.append(f"- {control.code} {control.title}: no check recorded yet")
            elif state.due_soon:
                lines.append(
                    f"- {control.code} {control.title}: check due by {long_date(state.due)}"
                )
            for _, action in control.actions:
                if action.url != control.attest_url:
                    lines.append(f"- {control.code}: {action.text}")
    return lines


def governor_summary(controls) -> list[str]:
    counts = control_status.counts(controls)
    lines = [
        f"- {counts[MET]} met, {counts[ATTENTION]} needing attention, {counts[OVERDUE]} overdue, "
        f"{counts[NOT_APPLICABLE]} not applicable"
    ]
    lines += [f"- {action.text}" for _, _, action in control_status.urgent_actions(controls)]
    return lines


@job("controls-digest", every=dt.timedelta(hours=6))
def controls_digest() -> str:
    """Once a week, each member with a role (SIRO, DPO, IT lead, office, governors) gets what is
    due and overdue among the controls they own; governors get the school's summary."""
    today = timezone.localdate()
    year, week, _ = today.isocalendar()
    role_q = Q(pk__in=[])
    for role in DIGEST_ROLES:
        role_q |= Q(**{Membership.ROLE_FIELDS[role]: True})
    queued = 0
    for chunk in _school_chunks():
        found = control_status.recent_statuses(chunk, today)
        members = (
            Membership.objects.active()
            .filter(role_q, school__in=chunk)
            .select_related("user", "school")
            .order_by("school_id", "pk")
        )
        for membership in members:
            school, user = membership.school, membership.user
            controls = list(found[school.pk].values())
            lines = digest_lines(controls, user, membership.roles)
            if membership.is_governor:
                lines = [*governor_summary(controls), *lines]
            if not lines:
                continue
            link = settings.SITE_URL + reverse("controls-dashboard", kwargs={"school": school.slug})
            body = "\n".join(
                [
                    f"Hello {user.first_name or user.email},",
                    "",
                    f"This week's E-Security Policy controls at {school.name}:",
                    *lines,
                    "",
                    f"The dashboard: {link}",
                ]
            )
            message = mail_queue(
                to=user.email,
                subject=f"This week's policy controls at {school.name}",
                body=body + "\n",
                dedupe_key=f"controls-digest:{school.pk}:{user.pk}:{year}-W{week:02d}",
                school=school,
            )
            queued += message is not None
    return f"queued {queued}"


# My tasks ----------------------------------------------------------------------------------------


@provider
def control_checks(user, memberships):
    """Control checks (attestations) due soon or overdue that the user owns; three queries."""
    mine = [m for m in memberships if m.roles & PERMISSIONS["controls.attest"]]
    if not mine:
        return []
    today = timezone.localdate()
    planned = control_status.plans([m.school for m in mine], today)
    tasks = []
    for membership in mine:
        school = membership.school
        for code, plan in planned[school.pk].items():
            state = plan.attestation
            if plan.not_applicable_reason is not None or not plan.owned_by(user, membership.roles):
                continue
            if state.status not in (ATTENTION, OVERDUE) and not state.due_soon:
                continue
            title = (
                f"Check control {code} at {school.name}: {control_status.lower_first(ROWS[code])}"
            )
            if state.status == OVERDUE:
                title += " (overdue)"
            tasks.append(
                Task(
                    title,
                    reverse("control-attest", kwargs={"school": school.slug, "control": code}),
                    school=school,
                    due=state.due,
                    urgent=state.status == OVERDUE,
                )
            )
    return tasks
