"""My tasks: members who are in the directory and have not signed their agreement."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse

from bastion.agreements import coverage
from bastion.agreements.models import PUPIL_AUDIENCES, Agreement
from bastion.notify.mytasks import Task, provider


@provider
def agreements_to_sign(user, memberships):
    """One task per school where the user's directory entry has not signed; two queries."""
    schools = {m.school_id: m.school for m in memberships}
    if not schools:
        return []
    published = Agreement.objects.filter(
        school=OuterRef("school"), audience=OuterRef("audience"), current__isnull=False
    )
    rows = (
        coverage.people(schools.values(), up_to=coverage.up_to_map(schools.values()))
        .filter(user=user, is_signed=False)
        .exclude(audience__in=PUPIL_AUDIENCES)
        .annotate(title=Subquery(published.values("title")[:1]))
        .filter(Exists(published))
        .values_list("school_id", "title")
        .order_by("school_id")
        .distinct()
    )
    return [
        Task(
            f"Sign the {title}",
            reverse("agreement-sign", kwargs={"school": schools[school_id].slug}),
            school=schools[school_id],
            urgent=False,
        )
        for school_id, title in rows
    ]
