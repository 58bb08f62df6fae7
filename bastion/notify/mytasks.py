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

from bastion.core.models import PRIVILEGED_ROLES, Membership, School


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
def mfa_enrolment(user, memberships):
    from bastion.core.tenancy import user_has_mfa

    privileged = [m for m in memberships if m.roles & PRIVILEGED_ROLES]
    if (privileged or user.trust_roles.exists()) and not user_has_mfa(user):
        return [
            Task(
                "Set up two-factor authentication: your role needs it before you can open "
                "your school's pages",
                reverse("mfa_index"),
                urgent=True,
            )
        ]
    return []


@provider
def password_age(user, memberships):
    ages = [m.school.password_max_age_days for m in memberships if m.school.password_max_age_days]
    if not ages or not user.password_changed_at:
        return []
    due = (user.password_changed_at + dt.timedelta(days=min(ages))).date()
    today = timezone.localdate()
    if due - today > dt.timedelta(days=14):
        return []
    return [
        Task(
            "Change your Bastion password" + (" (overdue)" if due < today else ""),
            reverse("account_change_password"),
            due=due,
            urgent=due <= today,
        )
    ]


@provider
def missing_officers(user, memberships):
    tasks = []
    schools = [m.school for m in memberships if m.is_siro]
    if not schools:
        return tasks
    with_dpo = set(
        Membership.objects.filter(school__in=schools, is_dpo=True, active=True).values_list(
            "school_id", flat=True
        )
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
