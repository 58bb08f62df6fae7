"""Secure disposal (T14, T15): approved contractors, batches of devices collected together, the
certificates of secure deletion, and the rule that a batch is completed only with its evidence.

A device joins at most one batch (DisposalItem.device is one-to-one). Joining sets it to
"awaiting disposal"; leaving an open batch gives it back the status it had; completing the batch
sets every device to "disposed" and freezes the batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from bastion.core import audit, files
from bastion.core.models import School, StoredFile
from bastion.equipment.models import Contractor, Device, DisposalBatch, DisposalItem, Loan
from bastion.lib.dates import long_date
from bastion.lib.db import retry_conflicts

CONTRACTOR_FIELDS = ("name", "waste_carrier_registration", "weee_permit", "contact", "approved")
BATCH_FIELDS = ("contractor", "collected_on", "waste_transfer_note")
GONE = {
    Device.Status.DISPOSED: "is already disposed of",
    Device.Status.LOST: "is reported lost",
    Device.Status.STOLEN: "is reported stolen",
}
FROZEN = "This disposal is completed: it can no longer be changed."
NOT_APPROVED = "{} is no longer an approved contractor: choose an approved one."


def device_label(device: Device) -> str:
    """How a device is named in messages and exports: make, model, and asset tag or serial."""
    label = str(device)
    if not device.asset_tag and device.serial:
        label += f", serial {device.serial}"
    return label


def open_loans(devices: Iterable[Device]) -> dict[int, Loan]:
    """The open loan of each of `devices` that is out, by device id (one query)."""
    ids = [d.pk for d in devices]
    if not ids:
        return {}
    loans = Loan.objects.filter(device_id__in=ids, returned_on__isnull=True).select_related(
        "borrower"
    )
    return {loan.device_id: loan for loan in loans}


def loan_problem(device: Device, loan: Loan | None) -> str | None:
    """T15: loaned equipment is disposed of like the rest, once it is back."""
    if loan is not None:
        return (
            f"{device_label(device)} is on loan to {loan.borrower} since "
            f"{long_date(loan.out_on)}: record its return before it can be disposed of."
        )
    if device.status == Device.Status.ON_LOAN:
        return (
            f"{device_label(device)} is marked as on loan: record its return before it can be "
            "disposed of."
        )
    return None


def device_problems(devices: Iterable[Device], batch=None) -> list[str]:
    """Why each of `devices` cannot join `batch` (a new one when None); empty when all can."""
    devices = list(devices)
    taken = dict(
        DisposalItem.objects.filter(device__in=devices)
        .exclude(batch=batch)
        .values_list("device_id", "batch__number")
    )
    loans = open_loans(devices)
    problems = []
    for device in devices:
        if device.pk in taken:
            problems.append(f"{device_label(device)} is already in disposal {taken[device.pk]}.")
        elif device.status in GONE:
            problems.append(f"{device_label(device)} {GONE[device.status]}.")
        elif problem := loan_problem(device, loans.get(device.pk)):
            problems.append(problem)
    return problems


def disposable_devices(school, batch=None):
    """The devices a batch may hold: not disposed of, lost or stolen, and in no other batch.

    Devices out on loan are included so that choosing one explains why it must come back first.
    """
    return (
        Device.objects.filter(school=school)
        .exclude(status__in=list(GONE))
        .filter(Q(disposal__isnull=True) | Q(disposal__batch=batch))
        .order_by("kind", "asset_tag", "pk")
    )


# Contractors -----------------------------------------------------------------------------------


def contractor_create(*, actor, school, data: dict, request=None) -> Contractor:
    """Record an approved disposal company with its waste carrier and WEEE registrations."""
    contractor = Contractor(school=school, **{k: data[k] for k in CONTRACTOR_FIELDS if k in data})
    contractor.full_clean()
    with transaction.atomic():
        contractor.save()
        audit.record(
            "contractor.created",
            actor=actor,
            school=school,
            obj=contractor,
            request=request,
            changes=audit.diff({}, audit.snapshot(contractor, CONTRACTOR_FIELDS)),
        )
    return contractor


def contractor_update(*, actor, school, contractor: Contractor, data: dict, request=None):
    """Correct a contractor's details, or withdraw (or give back) its approval."""
    before = audit.snapshot(contractor, CONTRACTOR_FIELDS)
    for name in CONTRACTOR_FIELDS:
        if name in data:
            setattr(contractor, name, data[name])
    contractor.full_clean()
    changes = audit.diff(before, audit.snapshot(contractor, CONTRACTOR_FIELDS))
    if changes:
        with transaction.atomic():
            contractor.save()
            audit.record(
                "contractor.updated",
                actor=actor,
                school=school,
                obj=contractor,
                request=request,
                changes=changes,
            )
    return contractor


# Batches ---------------------------------------------------------------------------------------


def _locked_devices(school, ids: Iterable[int]) -> list[Device]:
    """The school's devices with these ids, locked for the transaction, in id order."""
    ids = sorted(set(ids))
    locked = list(
        Device.objects.select_for_update(no_key=True)
        .filter(school=school, pk__in=ids)
        .order_by("pk")
    )
    if len(locked) != len(ids):
        raise ValidationError({"devices": "Choose devices of this school."})
    return locked


def _set_status(actor, school, batch, changes: dict[Device, str], request) -> None:
    """Give each device its new status, audited on the device."""
    now = timezone.now()
    for device, status in changes.items():
        if device.status == status:
            continue
        Device.objects.filter(pk=device.pk).update(status=status, updated_at=now)
        audit.record(
            "device.updated",
            actor=actor,
            school=school,
            obj=device,
            request=request,
            changes={"status": [device.status, status], "disposal": batch.number},
        )
        device.status = status


def _check_contractor(contractor: Contractor, school, current: Contractor | None = None):
    if contractor.school_id != school.pk:
        raise ValidationError({"contractor": "Choose one of the school's contractors."})
    if not contractor.approved and contractor != current:
        raise ValidationError({"contractor": NOT_APPROVED.format(contractor)})


def _add_items(school, batch, devices: list[Device]) -> None:
    DisposalItem.objects.bulk_create(
        [
            DisposalItem(school=school, batch=batch, device=d, previous_status=d.status)
            for d in devices
        ]
    )


@retry_conflicts
def batch_create(
    *, actor, school, data: dict, devices: Iterable[Device], request=None
) -> DisposalBatch:
    """Start a disposal with an approved contractor; its devices become "awaiting disposal".

    It takes the school's next number. The school's row is locked first so that two people
    starting disposals at once get consecutive numbers; a refused start rolls back before its
    number is seen, so no number is ever skipped.
    """
    _check_contractor(data["contractor"], school)
    batch = DisposalBatch(
        school=school,
        number=1,  # checked by full_clean, numbered under the lock below
        created_by=actor,
        contractor=data["contractor"],
        collected_on=data.get("collected_on"),
        waste_transfer_note=data.get("waste_transfer_note") or "",
    )
    batch.full_clean(validate_constraints=False)
    with transaction.atomic():
        School.objects.select_for_update(no_key=True).only("pk").get(pk=school.pk)
        locked = _locked_devices(school, [d.pk for d in devices])
        if problems := device_problems(locked):
            raise ValidationError({"devices": problems})
        last = DisposalBatch.objects.filter(school=school).aggregate(n=Max("number"))["n"]
        batch.number = (last or 0) + 1
        batch.save()
        _add_items(school, batch, locked)
        audit.record(
            "disposal.created",
            actor=actor,
            school=school,
            obj=batch,
            request=request,
            changes={
                **audit.diff({}, audit.snapshot(batch, BATCH_FIELDS)),
                "devices": ", ".join(device_label(d) for d in locked),
            },
        )
        waiting = dict.fromkeys(locked, Device.Status.AWAITING_DISPOSAL)
        _set_status(actor, school, batch, waiting, request)
    return batch


def _lock_open(batch: DisposalBatch) -> DisposalBatch:
    """The batch's row, locked and fresh; ValidationError once it is completed."""
    batches = DisposalBatch.objects.select_for_update(of=("self",), no_key=True).select_related(
        "contractor"
    )
    locked = batches.get(pk=batch.pk)
    if locked.status != DisposalBatch.Status.OPEN:
        raise ValidationError(FROZEN, code="frozen")
    return locked


@retry_conflicts
def batch_update(
    *, actor, school, batch: DisposalBatch, data: dict, devices: Iterable[Device], request=None
) -> DisposalBatch:
    """Change an open batch's details and which devices it holds: a device added waits for
    disposal, a device taken out gets back the status it had."""
    devices = list(devices)
    with transaction.atomic():
        batch = _lock_open(batch)
        before = audit.snapshot(batch, BATCH_FIELDS)
        _check_contractor(data.get("contractor", batch.contractor), school, batch.contractor)
        for name in BATCH_FIELDS:
            if name in data:
                setattr(batch, name, data[name])
        batch.waste_transfer_note = batch.waste_transfer_note or ""
        batch.full_clean()
        items = list(DisposalItem.objects.filter(batch=batch))
        ids = [*(d.pk for d in devices), *(i.device_id for i in items)]
        locked = {d.pk: d for d in _locked_devices(school, ids)}
        present = {i.device_id for i in items}
        keep = {d.pk for d in devices}
        added = [locked[pk] for pk in sorted(keep - present)]
        removed = [i for i in items if i.device_id not in keep]
        if problems := device_problems(added, batch):
            raise ValidationError({"devices": problems})
        batch.save(update_fields=list(BATCH_FIELDS))
        _add_items(school, batch, added)
        DisposalItem.objects.filter(pk__in=[i.pk for i in removed]).delete()
        # The certificates of devices taken out are no longer evidence of this batch.
        StoredFile.objects.filter(
            pk__in=[i.certificate_id for i in removed if i.certificate_id]
        ).delete()
        changes = audit.diff(before, audit.snapshot(batch, BATCH_FIELDS))
        if added:
            changes["devices added"] = ", ".join(device_label(d) for d in added)
        if removed:
            taken_out = (device_label(locked[i.device_id]) for i in removed)
            changes["devices taken out"] = ", ".join(taken_out)
        if changes:
            audit.record(
                "disposal.updated",
                actor=actor,
                school=school,
                obj=batch,
                request=request,
                changes=changes,
            )
        statuses = dict.fromkeys(added, Device.Status.AWAITING_DISPOSAL)
        # Back to what it was, unless it has since been reported lost or stolen.
        statuses |= {
            locked[i.device_id]: i.previous_status
            for i in removed
            if locked[i.device_id].status == Device.Status.AWAITING_DISPOSAL
        }
        _set_status(actor, school, batch, statuses, request)
    return batch


@retry_conflicts
def item_certify(
    *, actor, school, item: DisposalItem, number: str, upload=None, request=None
) -> DisposalItem:
    """Record a device's certificate of secure deletion: its number and, when given, the file,
    kept encrypted. A replaced file is deleted; its name and checksum stay in the audit trail."""
    with transaction.atomic():
        batch = _lock_open(item.batch)
        item = (
            DisposalItem.objects.select_related("device", "certificate")
            .defer("certificate__ciphertext")
            .get(pk=item.pk)
        )
        old = item.certificate
        before = {"certificate_number": item.certificate_number, "file": _file_fact(old)}
        item.certificate_number = number
        if upload is not None:
            item.certificate = files.store(
                school=school, actor=actor, upload=upload, request=request
            )
        item.full_clean(exclude=["batch", "device", "school", "certificate"])
        item.save(update_fields=["certificate_number", "certificate"])
        if old is not None and item.certificate_id != old.pk:
            old.delete()
        after = {"certificate_number": number, "file": _file_fact(item.certificate)}
        if changes := audit.diff(before, after):
            audit.record(
                "disposal.certificate_recorded",
                actor=actor,
                school=school,
                obj=batch,
                request=request,
                changes={**changes, "device": device_label(item.device)},
            )
    return item


def _file_fact(stored) -> str | None:
    return f"{stored.name} (sha256 {stored.sha256})" if stored is not None else None


def batch_items(batch: DisposalBatch):
    """The batch's devices with their certificates, without the files' bytes."""
    return (
        DisposalItem.objects.filter(batch=batch)
        .select_related("device", "certificate")
        .defer("certificate__ciphertext")
        .order_by("device__kind", "device__asset_tag", "pk")
    )


def batch_missing(batch: DisposalBatch, items, loans: dict[int, Loan], today: dt.date) -> list[str]:
    """Exactly what stops the batch being completed; empty when it can be."""
    missing = []
    if not batch.contractor.approved:
        missing.append(NOT_APPROVED.format(batch.contractor))
    if batch.collected_on is None:
        missing.append("The collection date.")
    elif batch.collected_on > today:
        missing.append(
            f"A collection date that has passed: {long_date(batch.collected_on)} is in the future."
        )
    if not batch.waste_transfer_note:
        missing.append("The waste transfer note reference.")
    if not items:
        missing.append("At least one device.")
    for item in items:
        device = item.device
        label = device_label(device)
        if device.status in GONE:
            missing.append(f"{label} {GONE[device.status]}: take it out of this disposal.")
        elif problem := loan_problem(device, loans.get(device.pk)):
            missing.append(problem)
        if item.needs_certificate and not item.certified:
            lacking = [
                what
                for what, have in (
                    ("number", item.certificate_number),
                    ("file", item.certificate_id),
                )
                if not have
            ]
            missing.append(
                f"{label} held data: its certificate of secure deletion ({' and '.join(lacking)})."
            )
    return missing


@retry_conflicts
def batch_complete(*, actor, school, batch: DisposalBatch, request=None) -> DisposalBatch:
    """Complete a disposal once its evidence is whole: every device becomes "disposed" and the
    batch is frozen. Otherwise ValidationError lists exactly what is missing."""
    with transaction.atomic():
        batch = _lock_open(batch)
        items = list(batch_items(batch))
        devices = {d.pk: d for d in _locked_devices(school, [i.device_id for i in items])}
        for item in items:
            item.device = devices[item.device_id]  # the locked, fresh row
        missing = batch_missing(batch, items, open_loans(devices.values()), timezone.localdate())
        if missing:
            raise ValidationError(missing, code="incomplete")
        batch.status = DisposalBatch.Status.COMPLETED
        batch.completed_at = timezone.now()
        batch.save(update_fields=["status", "completed_at"])
        audit.record(
            "disposal.completed",
            actor=actor,
            school=school,
            obj=batch,
            request=request,
            changes={
                "status": [DisposalBatch.Status.OPEN, DisposalBatch.Status.COMPLETED],
                "devices": ", ".join(device_label(i.device) for i in items),
            },
        )
        disposed = dict.fromkeys(devices.values(), Device.Status.DISPOSED)
        _set_status(actor, school, batch, disposed, request)
    return batch
