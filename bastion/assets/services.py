"""Every write to the information asset register, audited; and who sees which assets.

Information asset owners (IAOs) see and maintain their own assets whatever their role; the
roles with `assets.view` / `assets.edit` see and maintain them all.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from bastion.assets.models import InformationAsset, SpecialCategory, Subject
from bastion.core import audit
from bastion.people.imports import FORMULA

FIELDS = (
    "name",
    "description",
    "owner",
    "data_subjects",
    "personal_data",
    "special_category",
    "special_categories",
    "article9_condition",
    "lawful_basis",
    "source",
    "system",
    "location",
    "held_elsewhere",
    "secure_area",
    "format",
    "access",
    "shared_with",
    "transfers_abroad",
    "security",
    "retention_years",
    "retention_from",
    "retention_note",
    "held_until",
    "weeded_on",
    "disposal",
    "risk",
    "dpia_needed",
    "dpia_done_on",
    "last_reviewed_on",
)
# What the audit trail records: the foreign keys by id.
AUDITED = ("reference", *(f"{f}_id" if f in ("owner", "system", "location") else f for f in FIELDS))
REFERENCE = re.compile(r"^IA-(\d+)$")
TEXT = (
    "name",
    "description",
    "personal_data",
    "source",
    "held_elsewhere",
    "access",
    "shared_with",
    "transfers_abroad",
    "security",
    "retention_note",
)


# ---- who sees what -------------------------------------------------------------------------


def visible_to(request) -> QuerySet[InformationAsset]:
    """The assets the signed-in user may see in `request.school`: all of them with
    `assets.view`, else those they own."""
    assets = InformationAsset.objects.filter(school=request.school)
    if request.access.can("assets.view"):
        return assets
    return assets.filter(owner__user=request.user)


def owns(user, asset: InformationAsset) -> bool:
    return asset.owner is not None and asset.owner.user_id == user.pk


def may_change(request, asset: InformationAsset) -> bool:
    return request.access.can("assets.edit") or owns(request.user, asset)


# ---- the rules of one asset ----------------------------------------------------------------


def rule_errors(values: dict, today=None) -> dict[str, str]:
    """{field: message} for values that contradict each other or are in the future. Used by the
    form's service and by the import (which reports them by row and column)."""
    today = today or timezone.localdate()
    errors = {}
    if values.get("special_categories") and not values.get("special_category"):
        errors["special_categories"] = (
            "Special categories are chosen, but the asset is not marked as holding special "
            "category data: mark it, or clear the categories."
        )
    if values.get("article9_condition") and not values.get("special_category"):
        errors["article9_condition"] = (
            "An Article 9 condition applies only to special category data: mark the asset as "
            "holding it, or clear the condition."
        )
    if values.get("retention_from") and values.get("retention_years") is None:
        errors["retention_years"] = "Give the number of years the period runs for."
    if values.get("dpia_done_on") and not values.get("dpia_needed"):
        errors["dpia_done_on"] = "A DPIA date is given but the asset is not marked as needing one."
    for name, what in (
        ("dpia_done_on", "DPIA"),
        ("last_reviewed_on", "last review"),
        ("weeded_on", "last weeding"),
    ):
        day = values.get(name)
        if day and day > today:
            errors[name] = f"The date of the {what} cannot be in the future."
    return errors


def _tidy(asset: InformationAsset) -> None:
    """Choices kept in one order (so exports compare equal), text trimmed."""
    asset.data_subjects = [v for v in Subject.values if v in set(asset.data_subjects or [])]
    asset.special_categories = [
        v for v in SpecialCategory.values if v in set(asset.special_categories or [])
    ]
    for name in ("name", "held_elsewhere", "source", "retention_note", "transfers_abroad"):
        setattr(asset, name, (getattr(asset, name) or "").strip())


def _check(asset: InformationAsset, school) -> None:
    errors = {}
    for name in ("owner", "system", "location"):
        row = getattr(asset, name)
        if row is not None and row.school_id != school.pk:
            errors[name] = "Choose one of this school's."
    for name in TEXT:
        if FORMULA.match(getattr(asset, name) or ""):
            errors[name] = (
                "Start it with a letter or a digit: a spreadsheet would run this as a formula "
                "when the register is exported."
            )
    errors |= rule_errors({f: getattr(asset, f) for f in FIELDS})
    if errors:
        raise ValidationError(errors)
    asset.full_clean(exclude=["school", "reference"], validate_constraints=False)


def next_references(school, count: int = 1) -> list[str]:
    """`count` unused references, IA-001 onwards after the highest in use."""
    used = InformationAsset.objects.filter(school=school, reference__startswith="IA-")
    top = max(
        (int(m[1]) for r in used.values_list("reference", flat=True) if (m := REFERENCE.match(r))),
        default=0,
    )
    return [f"IA-{n:03d}" for n in range(top + 1, top + 1 + count)]


def _only(data: dict) -> dict:
    return {k: v for k, v in data.items() if k in FIELDS}


@transaction.atomic
def asset_create(*, actor, school, data: dict, request=None) -> InformationAsset:
    """Add an asset to the register with the next free reference."""
    asset = InformationAsset(school=school, **_only(data))
    _tidy(asset)
    _check(asset, school)
    for _attempt in range(3):
        asset.reference = next_references(school)[0]
        try:
            with transaction.atomic():
                asset.save()
            break
        except IntegrityError:  # someone took the reference meanwhile: take the next one
            continue
    else:
        raise ValidationError("The register is busy: save again.")
    audit.record(
        "asset.created",
        actor=actor,
        school=school,
        obj=asset,
        request=request,
        changes=audit.diff({}, audit.snapshot(asset, AUDITED)),
    )
    return asset


@transaction.atomic
def asset_update(
    *, actor, school, asset: InformationAsset, data: dict, request=None
) -> InformationAsset:
    if asset.archived:
        raise ValidationError("An archived asset stays as it was: restore it to change it.")
    before = audit.snapshot(asset, AUDITED)
    for name, value in _only(data).items():
        setattr(asset, name, value)
    _tidy(asset)
    _check(asset, school)
    changes = audit.diff(before, audit.snapshot(asset, AUDITED))
    if changes:
        asset.save()
        audit.record(
            "asset.updated",
            actor=actor,
            school=school,
            obj=asset,
            request=request,
            changes=changes,
        )
    return asset


@transaction.atomic
def asset_mark_reviewed(*, actor, school, asset: InformationAsset, request=None):
    """The owner (or a keeper of the register) confirms today that the entry is right."""
    if asset.archived:
        raise ValidationError("An archived asset is not reviewed.")
    today = timezone.localdate()
    before = audit.snapshot(asset, ("last_reviewed_on",))
    asset.last_reviewed_on = today
    asset.save(update_fields=["last_reviewed_on", "updated_at"])
    audit.record(
        "asset.reviewed",
        actor=actor,
        school=school,
        obj=asset,
        request=request,
        changes=audit.diff(before, audit.snapshot(asset, before)),
    )
    return asset


@transaction.atomic
def asset_archive(*, actor, school, asset: InformationAsset, archive: bool = True, request=None):
    """Take an asset the school no longer holds off the register (kept, as a record), or put
    it back."""
    if asset.archived == archive:
        return asset
    before = audit.snapshot(asset, ("archived_on",))
    asset.archived_on = timezone.localdate() if archive else None
    asset.save(update_fields=["archived_on", "updated_at"])
    audit.record(
        "asset.archived" if archive else "asset.restored",
        actor=actor,
        school=school,
        obj=asset,
        request=request,
        changes=audit.diff(before, audit.snapshot(asset, before)),
    )
    return asset
