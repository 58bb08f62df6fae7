"""My tasks: members who are in the directory and have not signed their agreement."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from bastion.agreements import coverage
from bastion.agreements.models import Agreement
from bastion.notify.mytasks import Task, provider
from bastion.people.models import Person, current_q


@provider
def agreements_to_sign(user, memberships):
    """One task per school where the user's directory entry has not signed; one query."""
    schools = {m.school_id: m.school for m in memberships}
    if not schools:
        return []
    published = Agreement.objects.filter(
        school=OuterRef("school"), audience=OuterRef("audience"), current__isnull=False
    )
    rows = (
        # Pupils sign in class or on paper, not from My tasks: only adults, whose audience is
        # named as their kind (one query fewer than asking each school's pupil setting).
        Person.objects.filter(
            user=user, school_id__in=list(schools), kind__in=list(coverage.KIND_AUDIENCE)
        )
        .filter(current_q(timezone.localdate()))
        .annotate(audience=F("kind"))
        .annotate(is_signed=coverage.signed_expression(list(schools)))
        .filter(is_signed=False)
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
