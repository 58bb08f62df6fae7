"""Signing, by every route a school uses: online in Bastion, through a single-use link, on a
paper sheet ticked off in bulk, and a younger class's agreement recorded by the teacher.

A person signs a version once: the database refuses a second signature of the same version
(double submission, two tabs, a paper tick for someone who signed online the same day).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bastion.agreements.coverage import audience_of, people, up_to_map
from bastion.agreements.models import (
    Agreement,
    Audience,
    Method,
    PaperRecord,
    Signature,
    SigningLink,
)
from bastion.agreements.services import settings_for
from bastion.core import audit, files
from bastion.lib.db import retry_conflicts
from bastion.people.models import Kind, ParentLink, Person

NAME_NEEDED = "Type your full name to sign."
AGREE_NEEDED = "Tick the box to say you have read the agreement and agree to it."
NOBODY_TICKED = "Tick at least one person who signed the sheet."
FUTURE_DATE = "The date signed cannot be in the future."
NOT_IN_GROUP = "Some of the people ticked are not in this group any more: check the list again."
NO_PUPILS = "There are no pupils on roll in class {name}."
NO_AGREEMENT = "This agreement has not been published yet."


def user_agent(request) -> str:
    return (request.META.get("HTTP_USER_AGENT", "") if request else "")[:300]


def _signature(person, agreement: Agreement, method: str, **extra) -> Signature:
    version = agreement.current
    return Signature(
        school_id=person.school_id,
        person=person,
        agreement=agreement,
        version=version,
        number=version.number,
        text_hash=version.text_hash,
        method=method,
        **extra,
    )


def _save_once(signature: Signature) -> tuple[Signature, bool]:
    """Insert the signature, or return the one already there for the same person and version."""
    try:
        with transaction.atomic():
            signature.save()
        return signature, True
    except IntegrityError:
        found = Signature.objects.filter(
            person_id=signature.person_id, version_id=signature.version_id
        ).first()
        if found is None:
            raise
        return found, False


def _check_name(typed_name: str) -> str:
    name = " ".join((typed_name or "").split())
    if len(name) < 2:
        raise ValidationError({"typed_name": NAME_NEEDED})
    return name[:200]


def agreement_for(person: Person) -> Agreement | None:
    """The agreement `person` must sign (with its current version), or None."""
    audience = audience_of(person, settings_for(person.school).younger_up_to)
    return (
        Agreement.objects.filter(school_id=person.school_id, audience=audience)
        .select_related("current")
        .first()
    )


def is_covered(person: Person, agreement: Agreement) -> bool:
    return Signature.objects.filter(
        person=person, agreement=agreement, number__gte=agreement.baseline_number
    ).exists()


def agreement_sign(
    *, actor, school, person: Person, agreement: Agreement, typed_name: str, request=None
) -> tuple[Signature, bool]:
    """A signed-in member signs their own agreement; returns (signature, created)."""
    name = _check_name(typed_name)
    if agreement.current is None or agreement.school_id != school.pk:
        raise ValidationError(NO_AGREEMENT)
    with transaction.atomic():
        signature, created = _save_once(
            _signature(
                person,
                agreement,
                Method.ONLINE,
                typed_name=name,
                recorded_by=actor,
                ip=audit.client_ip(request),
                user_agent=user_agent(request),
            )
        )
        if created:
            audit.record(
                "agreement.signed",
                actor=actor,
                school=school,
                obj=signature,
                request=request,
                object_repr=f"{person} signed {agreement.current}",
                changes={"method": Method.ONLINE, "text_hash": signature.text_hash},
            )
    return signature, created


# Links -----------------------------------------------------------------------------------------


class LinkUnusable(Exception):
    """The link was used, replaced or expired (the status is the message)."""


@dataclass
class ChildGroup:
    """The children of one parent in one year group, signed for together ("your child in
    Year 3"): the public page names no child."""

    year_group: str
    label: str
    children: list[Person]
    agreement: Agreement


def child_groups(parent: Person, today: dt.date | None = None) -> list[ChildGroup]:
    """Year groups of the parent's children (with parental responsibility, on roll) whose
    pupil agreement is still to be signed, when the school lets parents sign for them."""
    from bastion.agreements.coverage import YEAR_LABELS

    if parent.kind != Kind.PARENT or not settings_for(parent.school).parents_sign_for_children:
        return []
    today = today or timezone.localdate()
    child_ids = ParentLink.objects.filter(parent=parent, parental_responsibility=True).values(
        "child_id"
    )
    children = (
        people([parent.school], today, up_to_map([parent.school]))
        .filter(pk__in=child_ids, kind=Kind.PUPIL, is_signed=False)
        .order_by("year_group", "pk")
    )
    agreements = {
        a.audience: a
        for a in Agreement.objects.filter(
            school_id=parent.school_id, audience__in=[Audience.PUPIL_YOUNGER, Audience.PUPIL_OLDER]
        ).select_related("current")
    }
    groups: dict[str, ChildGroup] = {}
    for child in children:
        agreement = agreements.get(child.audience)
        if agreement is None or agreement.current is None:
            continue
        key = child.year_group or "-"
        if key not in groups:
            groups[key] = ChildGroup(
                key, YEAR_LABELS.get(child.year_group, "school"), [], agreement
            )
        groups[key].children.append(child)
    return list(groups.values())


@retry_conflicts
def link_sign(
    *,
    link: SigningLink,
    typed_name: str,
    sign_own: bool,
    for_children: list[str],
    request=None,
) -> list[Signature]:
    """Sign through a single-use link: the person's own agreement and, for a parent, the pupil
    agreement of the chosen groups of children. Spends the link; LinkUnusable if it is spent."""
    name = _check_name(typed_name)
    person = link.person
    own = agreement_for(person) if sign_own else None
    groups = [g for g in child_groups(person) if g.year_group in set(for_children)]
    meta = {
        "typed_name": name,
        "ip": audit.client_ip(request),
        "user_agent": user_agent(request),
    }
    with transaction.atomic():
        locked = SigningLink.objects.select_for_update(no_key=True).get(pk=link.pk)
        if locked.status != "open":
            raise LinkUnusable(locked.status)
        made = []
        if own is not None and own.current is not None:
            made.append(_save_once(_signature(person, own, Method.LINK, **meta)))
        for group in groups:
            for child in group.children:
                made.append(
                    _save_once(
                        _signature(child, group.agreement, Method.LINK, signed_by=person, **meta)
                    )
                )
        locked.used_at = timezone.now()
        locked.save(update_fields=["used_at"])
        audit.record(
            "agreement.signed_by_link",
            school=link.school,
            obj=locked,
            request=request,
            actor_label="signing link",
            object_repr=f"{person} signed through a link",
            changes={
                "signatures": [s.pk for s, created in made if created],
                "for_children": len([1 for s, _ in made if s.signed_by_id]),
            },
        )
    return [s for s, _ in made]


# Paper and class records -------------------------------------------------------------------------


def _check_date(signed_on: dt.date) -> None:
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": FUTURE_DATE})


def _at(day: dt.date) -> dt.datetime:
    """A paper signature carries its date; it is stored at noon so no time zone moves the day."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def paper_record(
    *,
    actor,
    school,
    agreement: Agreement,
    person_ids: list[int],
    signed_on: dt.date,
    group: str = "",
    scan=None,
    request=None,
) -> PaperRecord:
    """Record a ticked paper sheet: everyone ticked signed `agreement`'s current version on
    `signed_on`; the scanned sheet (PDF, PNG or JPEG) is kept encrypted when given."""
    _check_date(signed_on)
    if not person_ids:
        raise ValidationError(NOBODY_TICKED)
    if agreement.current is None:
        raise ValidationError(NO_AGREEMENT)
    # Only people on roll whose audience is this agreement's may be ticked.
    found = list(
        people([school], up_to=up_to_map([school])).filter(
            pk__in=person_ids, audience=agreement.audience
        )
    )
    if len(found) != len(set(person_ids)):
        raise ValidationError(NOT_IN_GROUP)
    with transaction.atomic():
        stored = (
            files.store(school=school, actor=actor, upload=scan, request=request) if scan else None
        )
        record = PaperRecord.objects.create(
            school=school,
            version=agreement.current,
            method=Method.PAPER,
            signed_on=signed_on,
            group=group[:60],
            scan=stored,
            recorded_by=actor,
        )
        record.count = _bulk_sign(found, {agreement.audience: agreement}, record, actor, signed_on)
        record.save(update_fields=["count"])
        audit.record(
            "agreement.paper_recorded",
            actor=actor,
            school=school,
            obj=record,
            request=request,
            changes={
                "agreement": agreement.title,
                "version": agreement.current.number,
                "signed_on": signed_on,
                "signatures": record.count,
                "people": sorted(p.pk for p in found),
                "scan": stored.pk if stored else None,
            },
        )
    return record


def _bulk_sign(found, agreements: dict[str, Agreement], record, actor, signed_on) -> int:
    """Signatures for `found` (each annotated with its audience); those who already signed
    the current version are left as they are. Returns how many were added."""
    version_ids = {a.current_id for a in agreements.values() if a.current_id}
    already = set(
        Signature.objects.filter(
            person__in=[p.pk for p in found], version_id__in=version_ids
        ).values_list("person_id", "version_id")
    )
    new = [
        _signature(
            p,
            agreements[p.audience],
            record.method,
            paper=record,
            recorded_by=actor,
            signed_at=_at(signed_on),
        )
        for p in found
        if p.audience in agreements
        and agreements[p.audience].current_id
        and (p.pk, agreements[p.audience].current_id) not in already
    ]
    Signature.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def class_record(
    *, actor, school, class_name: str, signed_on: dt.date, note: str = "", request=None
) -> PaperRecord:
    """The teacher discussed the class agreement and the class signed it together: every pupil
    on roll in the class signs their age group's agreement (method "class")."""
    _check_date(signed_on)
    pupils = list(
        people([school], up_to=up_to_map([school])).filter(kind=Kind.PUPIL, class_name=class_name)
    )
    if not pupils:
        raise ValidationError({"class_name": NO_PUPILS.format(name=class_name)})
    agreements = {
        a.audience: a
        for a in Agreement.objects.filter(
            school=school, audience__in=[Audience.PUPIL_YOUNGER, Audience.PUPIL_OLDER]
        ).select_related("current")
    }
    main = agreements.get(pupils[0].audience)
    if main is None or main.current is None:
        raise ValidationError(NO_AGREEMENT)
    with transaction.atomic():
        record = PaperRecord.objects.create(
            school=school,
            version=main.current,
            method=Method.CLASS,
            signed_on=signed_on,
            group=class_name[:60],
            note=note[:300],
            recorded_by=actor,
        )
        record.count = _bulk_sign(pupils, agreements, record, actor, signed_on)
        record.save(update_fields=["count"])
        audit.record(
            "agreement.class_recorded",
            actor=actor,
            school=school,
            obj=record,
            request=request,
            changes={"class": class_name, "signed_on": signed_on, "signatures": record.count},
        )
    return record
