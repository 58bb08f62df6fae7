"""Chasing the unsigned: a reminder to everyone who has not signed and has an e-mail address,
at most once per the school's interval per person, each one recorded.

People with a Bastion account are sent to the signing page; everyone else gets a fresh
single-use link. Pupils are not e-mailed: they sign in class or on paper (their parents may
sign for them through their own link).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from bastion.agreements import coverage
from bastion.agreements.links import EMAIL, create_links, mail_link
from bastion.agreements.models import (
    PUPIL_AUDIENCES,
    Agreement,
    AgreementSettings,
    Reminder,
)
from bastion.agreements.services import settings_for
from bastion.core import audit
from bastion.notify.schedule import job
from bastion.notify.services import mail_queue


def chase(*, school, actor=None, audience: str = "", now=None, request=None) -> int:
    """Remind the unsigned of `school` (of one audience, or all); returns how many were sent."""
    now = now or timezone.now()
    interval = dt.timedelta(days=settings_for(school).chase_interval_days)
    agreements = {
        a.audience: a
        for a in Agreement.objects.filter(school=school, current__isnull=False).select_related(
            "current"
        )
    }
    recent = Reminder.objects.filter(person=OuterRef("pk"), sent_at__gt=now - interval)
    rows = (
        coverage.people([school], timezone.localdate(now), coverage.up_to_map([school]))
        .filter(is_signed=False, audience__in=list(agreements))
        .exclude(audience__in=PUPIL_AUDIENCES)
        .filter(Q(user__isnull=False, user__is_active=True) | ~Q(email=""))
        .annotate(recent=Exists(recent))
        .filter(recent=False)
        .select_related("user")
        .order_by("pk")
    )
    if audience:
        rows = rows.filter(audience=audience)
    rows = list(rows)
    with_account = [p for p in rows if p.user_id and p.user.is_active]
    without = [p for p in rows if not (p.user_id and p.user.is_active)]
    day = timezone.localdate(now).isoformat()
    sent = []
    with transaction.atomic():
        for person in with_account:
            agreement = agreements[person.audience]
            url = settings.SITE_URL + reverse("agreement-sign", kwargs={"school": school.slug})
            body = render_to_string(
                "agreements/email/reminder_member.txt",
                {"person": person, "school": school, "agreement": agreement, "url": url},
            )
            queued = mail_queue(
                to=person.user.email,
                subject=f"Reminder: please sign the {agreement.title}",
                body=body,
                dedupe_key=f"agreement-chase:{person.pk}:{agreement.current_id}:{day}",
                school=school,
            )
            if queued is not None:
                sent.append(
                    Reminder(
                        school=school, person=person, agreement=agreement, to=person.user.email
                    )
                )
        made = create_links(actor=actor, school=school, persons=without, sent_by=EMAIL, now=now)
        for person, token, link in made:
            agreement = agreements[person.audience]
            key = f"agreement-chase:{person.pk}:{agreement.current_id}:{day}"
            if mail_link(school, person, token, link, agreement, key):
                sent.append(
                    Reminder(school=school, person=person, agreement=agreement, to=person.email)
                )
        for reminder in sent:
            reminder.sent_at = now
            reminder.sent_by = actor if getattr(actor, "is_authenticated", False) else None
        Reminder.objects.bulk_create(sent)
        if sent:
            audit.record(
                "agreement.chased",
                actor=actor,
                school=school,
                request=request,
                actor_label="" if actor else "scheduled chaser",
                changes={"reminders": len(sent), "audience": audience or "all"},
            )
    return len(sent)


@job("agreement-chasers", every=dt.timedelta(hours=6))
def scheduled_chasers() -> str:
    """Remind the unsigned of every school that chases automatically (idempotent: the
    interval per person holds between runs)."""
    total = 0
    for row in AgreementSettings.objects.filter(chase_automatically=True).select_related("school"):
        total += chase(school=row.school)
    return f"reminded {total}"
