"""Writes: a control's owner and frequency, attestations, and the daily status snapshot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bastion.controls import defaults
from bastion.controls.catalogue import ROWS
from bastion.controls.models import Attestation, ControlSetting, StatusSnapshot
from bastion.controls.status import recent_statuses
from bastion.core import audit, files
from bastion.core.models import Membership
from bastion.lib.dates import long_date
from bastion.lib.db import retry_conflicts

SETTING_FIELDS = ("owner_role", "owner", "frequency")
ATTESTATION_FIELDS = ("code", "attested_on", "note")


def _check_code(code: str) -> None:
    if code not in ROWS:
        raise ValueError(f"unknown control {code!r}")


@retry_conflicts
def control_setting_update(*, actor, school, code: str, data: dict, request=None):
    """Set who owns a control (a role, or a named member of the school) and how often it is
    attested."""
    _check_code(code)
    owner = data.get("owner")
    if (
        owner is not None
        and not Membership.objects.filter(school=school, user=owner, active=True).exists()
    ):
        raise ValidationError({"owner": "Choose a current member of this school."})
    with transaction.atomic():
        setting, _ = ControlSetting.objects.select_for_update(no_key=True).get_or_create(
            school=school,
            code=code,
            defaults={
                "owner_role": defaults.owner_role(code),
                "frequency": defaults.frequency(code),
            },
        )
        before = audit.snapshot(setting, SETTING_FIELDS)
        for name in SETTING_FIELDS:
            if name in data:
                setattr(setting, name, data[name])
        setting.full_clean(exclude=["school"])
        changes = audit.diff(before, audit.snapshot(setting, SETTING_FIELDS))
        if changes:
            setting.save()
            audit.record(
                "control.settings_changed",
                actor=actor,
                school=school,
                obj=setting,
                object_repr=f"Control {code}",
                request=request,
                changes=changes,
            )
    return setting


def attestation_record(
    *, actor, school, code: str, attested_on: dt.date, note: str, upload=None, request=None
) -> Attestation:
    """Record that a control was checked (dated, by the actor, with a note and optionally an
    evidence file kept encrypted), then the school's status of the day."""
    _check_code(code)
    today = timezone.localdate()
    errors = {}
    if attested_on > today:
        errors["attested_on"] = "The date of the check cannot be in the future."
    if not note.strip():
        errors["note"] = "Say what was checked and what you found."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        evidence = None
        if upload is not None:
            try:
                evidence = files.store(school=school, actor=actor, upload=upload, request=request)
            except ValidationError as exc:
                raise ValidationError({"evidence": exc.messages}) from exc
        attestation = Attestation.objects.create(
            school=school,
            code=code,
            attested_on=attested_on,
            attested_by=actor,
            note=note.strip(),
            evidence=evidence,
        )
        changes = audit.diff({}, audit.snapshot(attestation, ATTESTATION_FIELDS))
        if evidence is not None:
            changes["evidence"] = f"{evidence.name} (sha256 {evidence.sha256})"
        audit.record(
            "control.attested",
            actor=actor,
            school=school,
            obj=attestation,
            object_repr=f"Control {code} checked on {long_date(attested_on)}",
            request=request,
            changes=changes,
        )
        snapshot_statuses([school], today)
    return attestation


def snapshot_statuses(schools: Sequence, today: dt.date) -> int:
    """Store each school's status of every control for `today`; a second run the same day
    updates the same rows (one row per school, control and day). What is kept is reused."""
    found = recent_statuses(schools, today)
    rows = [
        StatusSnapshot(
            school_id=school_id,
            code=code,
            day=today,
            status=control.status,
            value=next((e.value for _, e in control.parts if e.value is not None), None),
        )
        for school_id, controls in found.items()
        for code, control in controls.items()
    ]
    StatusSnapshot.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["school", "code", "day"],
        update_fields=["status", "value"],
    )
    return len(rows)
