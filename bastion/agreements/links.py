"""Single-use signing links for people without an account, sent by e-mail or printed on a
letter with a QR code. The token (256 random bits) is given out once; only its hash is kept.
A new link for someone replaces their earlier open one."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from bastion.accounts.models import token_digest
from bastion.agreements.models import SigningLink
from bastion.agreements.services import settings_for
from bastion.core import audit
from bastion.notify.services import mail_queue

NOBODY = "Nobody in this group is waiting to sign with a link."
EMAIL, LETTER = "email", "letter"


def link_url(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('agreement-public-sign', args=[token])}"


def link_for_token(token: str) -> SigningLink | None:
    if not token or len(token) > 100:
        return None
    return (
        SigningLink.objects.select_related("person", "school")
        .filter(token_hash=token_digest(token))
        .first()
    )


def create_links(*, actor, school, persons, sent_by: str, now: dt.datetime) -> list[tuple]:
    """(person, token, link) for each person; their earlier open links stop working."""
    days = settings_for(school).link_days
    ids = [p.pk for p in persons]
    SigningLink.objects.filter(person_id__in=ids, used_at=None, revoked_at=None).update(
        revoked_at=now
    )
    made = []
    for person in persons:
        token = secrets.token_urlsafe(32)
        link = SigningLink(
            school=school,
            person=person,
            token_hash=token_digest(token),
            sent_by=sent_by,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
        made.append((person, token, link))
    SigningLink.objects.bulk_create([link for _, _, link in made])
    return made


def mail_link(school, person, token: str, link: SigningLink, agreement, key: str) -> bool:
    body = render_to_string(
        "agreements/email/link.txt",
        {
            "person": person,
            "school": school,
            "agreement": agreement,
            "url": link_url(token),
            "expires": timezone.localdate(link.expires_at),
        },
    )
    return (
        mail_queue(
            to=person.email,
            subject=f"Please sign the {agreement.title} of {school.name}",
            body=body,
            dedupe_key=key,
            school=school,
            secret=True,
        )
        is not None
    )


def links_email(*, actor, school, persons, agreements: dict, request=None) -> int:
    """E-mail a signing link to each person who has an address (persons carry `audience`)."""
    persons = [p for p in persons if p.email and p.audience in agreements]
    if not persons:
        raise ValidationError(NOBODY)
    now = timezone.now()
    with transaction.atomic():
        made = create_links(actor=actor, school=school, persons=persons, sent_by=EMAIL, now=now)
        for person, token, link in made:
            mail_link(
                school,
                person,
                token,
                link,
                agreements[person.audience],
                f"agreement-link:{link.pk}",
            )
        audit.record(
            "agreement.links_sent",
            actor=actor,
            school=school,
            request=request,
            changes={"by": EMAIL, "count": len(made)},
        )
    return len(made)


def links_for_letters(*, actor, school, persons, request=None) -> list[tuple]:
    """New links to print on letters: [(person, url, expires_on)]."""
    if not persons:
        raise ValidationError(NOBODY)
    with transaction.atomic():
        made = create_links(
            actor=actor, school=school, persons=persons, sent_by=LETTER, now=timezone.now()
        )
        audit.record(
            "agreement.links_sent",
            actor=actor,
            school=school,
            request=request,
            changes={"by": LETTER, "count": len(made)},
        )
    return [(p, link_url(t), timezone.localdate(link.expires_at)) for p, t, link in made]
