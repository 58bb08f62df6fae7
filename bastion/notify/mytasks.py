"""'My tasks': what each person has to do, gathered from every register.

Each app adds a provider with `@provider`; a provider takes the user and their accesses and
returns Task rows. Providers must use a fixed number of queries, whatever the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from bastion.core.models import Membership, School
from bastion.notify.jobs import PASSWORD_WARNING_DAYS


@dataclass
class Task:
    title: str
    url: str
    school: School | None = None
    due: dt.date | None = None
    urgent: bool = False


PROVIDERS: list[Callable] = []


def provider(func):
    PROVIDERS.append(func)
    return func


def tasks_for(user) -> list[Task]:
    memberships = list(Membership.objects.filter(user=user, active=True).select_related("school"))
    tasks = [task for func in PROVIDERS for task in func(user, memberships)]
    return sorted(tasks, key=lambda t: (not t.urgent, t.due or dt.date.max, t.title))


@provider
def password_age(user, memberships):
    """Due within two weeks, or overdue, by the strictest school the user can open."""
    if not user.has_usable_password():
        return []
    # One query, trust admins' schools included: school_view holds them to the same age.
    school = (
        School.objects.for_user(user)
        .filter(password_max_age_days__isnull=False)
        .order_by("password_max_age_days")
        .only("name", "password_max_age_days")
        .first()
    )
    if school is None:
        return []
    today = timezone.localdate()
    changed = user.password_changed_at
    due = (
        timezone.localdate(changed + dt.timedelta(days=school.password_max_age_days))
        if changed
        else today
    )
    if due - today > dt.timedelta(days=PASSWORD_WARNING_DAYS):
        return []
    overdue = user.password_expired_for(school)
    return [
        Task(
            "Change your Bastion password" + (" (overdue)" if overdue else ""),
            reverse("account_change_password"),
            due=due,
            urgent=overdue or due <= today,
        )
    ]


@provider
def missing_officers(user, memberships):
    tasks = []
    schools = [m.school for m in memberships if m.is_siro]
    if not schools:
        return tasks
    with_dpo = set(
        Membership.objects.active()
        .filter(school__in=schools, is_dpo=True)
        .values_list("school_id", flat=True)
    )
    for school in schools:
        if school.pk not in with_dpo:
            tasks.append(
                Task(
                    f"Name a Data Protection Officer for {school.name} (policy: a discrete role, "
                    "not the SIRO)",
                    reverse("member-list", kwargs={"school": school.slug}),
                    school=school,
                    urgent=True,
                )
            )
    return tasks
