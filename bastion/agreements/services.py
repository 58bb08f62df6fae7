"""Agreements and their versions: the defaults a school starts from, publishing, settings."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bastion.agreements import defaults
from bastion.agreements.models import (
    Agreement,
    AgreementSettings,
    AgreementVersion,
    Audience,
    text_hash,
)
from bastion.core import audit
from bastion.lib.dates import long_date
from bastion.lib.db import retry_conflicts

SETTINGS_FIELDS = (
    "younger_up_to",
    "parents_sign_for_children",
    "link_days",
    "chase_interval_days",
    "chase_automatically",
)
EMPTY_TEXT = "Write the agreement's text."
EFFECTIVE_TOO_EARLY = "The new version cannot take effect before version {n} ({date})."


def settings_for(school) -> AgreementSettings:
    found = AgreementSettings.objects.filter(school=school).first()
    if found is None:
        found, _ = AgreementSettings.objects.get_or_create(school=school)
    return found


def agreements_for(school) -> list[Agreement]:
    """The school's agreements in audience order, with their current versions."""
    order = list(Audience.values)
    rows = Agreement.objects.filter(school=school).select_related("current")
    return sorted(rows, key=lambda a: order.index(a.audience))


def ensure_defaults(school, *, today: dt.date | None = None) -> bool:
    """Publish the default agreement of every audience the school does not have yet.

    One query when they are all there; safe when two requests open the page at once.
    Returns True when something was created.
    """
    have = set(Agreement.objects.filter(school=school).values_list("audience", flat=True))
    missing = [a for a in Audience if a.value not in have]
    if not missing:
        return False
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            for audience in missing:
                agreement = Agreement.objects.create(
                    school=school, audience=audience, title=defaults.TITLES[audience]
                )
                _add_version(
                    agreement,
                    text=defaults.TEXTS[audience],
                    effective_on=today,
                    everyone_signs_again=True,
                    note="The default text Bastion ships with.",
                    actor=None,
                )
                audit.record(
                    "agreement.published",
                    school=school,
                    obj=agreement,
                    actor_label="default agreements",
                    changes={"version": 1},
                )
    except IntegrityError:
        # Another request created them first.
        return False
    return True


def _add_version(
    agreement: Agreement, *, text, effective_on, everyone_signs_again, note, actor
) -> AgreementVersion:
    latest = agreement.versions.order_by("-number").first()
    number = latest.number + 1 if latest else 1
    version = AgreementVersion.objects.create(
        school_id=agreement.school_id,
        agreement=agreement,
        number=number,
        text=text,
        text_hash=text_hash(text),
        effective_on=effective_on,
        everyone_signs_again=everyone_signs_again or latest is None,
        note=note,
        published_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    agreement.current = version
    if version.everyone_signs_again:
        agreement.baseline_number = number
    agreement.save(update_fields=["current", "baseline_number"])
    return version


@retry_conflicts
def agreement_publish(
    *,
    actor,
    school,
    agreement: Agreement,
    text: str,
    effective_on: dt.date,
    everyone_signs_again: bool,
    note: str = "",
    request=None,
) -> AgreementVersion:
    """Publish a new version of `agreement`. With `everyone_signs_again`, signatures of earlier
    versions stop counting (they stay attached to the version they were for)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": EMPTY_TEXT})
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update(no_key=True).get(
            pk=agreement.pk, school=school
        )
        latest = agreement.versions.order_by("-number").first()
        if latest and effective_on < latest.effective_on:
            raise ValidationError(
                {
                    "effective_on": EFFECTIVE_TOO_EARLY.format(
                        n=latest.number, date=f"{long_date(latest.effective_on)}"
                    )
                }
            )
        version = _add_version(
            agreement,
            text=text,
            effective_on=effective_on,
            everyone_signs_again=everyone_signs_again,
            note=note.strip(),
            actor=actor,
        )
        audit.record(
            "agreement.published",
            actor=actor,
            school=school,
            obj=agreement,
            request=request,
            changes={
                "version": version.number,
                "effective_on": effective_on,
                "everyone_signs_again": version.everyone_signs_again,
                "text_hash": version.text_hash,
            },
        )
    return version


def settings_update(*, actor, school, data: dict, request=None) -> AgreementSettings:
    with transaction.atomic():
        current = settings_for(school)
        before = audit.snapshot(current, SETTINGS_FIELDS)
        for name in SETTINGS_FIELDS:
            setattr(current, name, data[name])
        current.save()
        changes = audit.diff(before, audit.snapshot(current, SETTINGS_FIELDS))
        if changes:
            audit.record(
                "agreement.settings_changed",
                actor=actor,
                school=school,
                obj=current,
                request=request,
                changes=changes,
            )
    return current
