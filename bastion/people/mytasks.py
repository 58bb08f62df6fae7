"""My tasks for the people who keep the Single Central Record."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from bastion.core.permissions import PERMISSIONS
from bastion.notify.mytasks import Task, provider
from bastion.people import scr
from bastion.people.models import PeopleSettings, Person


@provider
def scr_gaps(user, memberships):
    """Schools where the user keeps the SCR and some entry needs action; two queries."""
    keepers = [m.school for m in memberships if m.roles & PERMISSIONS["scr.edit"]]
    if not keepers:
        return []
    today = timezone.localdate()
    years = dict(
        PeopleSettings.objects.filter(school__in=keepers).values_list(
            "school_id", "dbs_recheck_years"
        )
    )
    needs_action = Q(scr__isnull=True) | Q(scr__complete=False)
    for school in keepers:
        cutoff = scr.cutoff_for(years.get(school.pk), today)
        if cutoff:
            needs_action |= Q(school=school) & scr.recheck_due_q(cutoff)
    counts = (
        Person.objects.filter(school__in=keepers)
        .filter(scr.on_roll_q(today))
        .in_scr_scope()
        .filter(needs_action)
        .values("school")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_school = {row["school"]: row["n"] for row in counts}
    return [
        Task(
            f"Complete the Single Central Record of {s.name}: {by_school[s.pk]} "
            f"{'entry needs' if by_school[s.pk] == 1 else 'entries need'} action",
            reverse("scr-report", kwargs={"school": s.slug}),
            school=s,
            urgent=True,
        )
        for s in keepers
        if by_school.get(s.pk)
    ]
