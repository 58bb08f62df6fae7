"""Import an existing device inventory from CSV or XLSX.

The whole file is checked, by row and column, before anything is written; a file with any
problem is refused whole. Devices are matched by asset tag, so importing the same file again
changes nothing. The file checks themselves (size, type, encoding) are the people imports'.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from bastion.core import audit
from bastion.equipment.devices import MISSING, OFF_SITE_REFUSED
from bastion.equipment.models import Device, Location
from bastion.people.import_fields import _bool, _date
from bastion.people.import_files import ImportRefused, Table, read_table
from bastion.people.imports import FORMULA

MAX_ERRORS = 200
FIELDS = (
    "kind",
    "make",
    "model",
    "serial",
    "holds_personal_data",
    "encrypted",
    "location_id",
    "purchased_on",
    "status",
)


def _words(value: str) -> str:
    return " ".join(re.sub(r"[-_/]+", " ", value.lower()).split())


def _choices(choices, extra: dict[str, str]) -> dict[str, str]:
    known = {_words(value): value for value, _ in choices}
    known |= {_words(label): value for value, label in choices}
    return known | extra


KINDS = _choices(
    Device.Kind.choices,
    {
        "network storage": "nas",
        "network attached storage": "nas",
        "photocopier": "mfd",
        "printer": "mfd",
        "multi function printer": "mfd",
        "mobile phone": "phone",
        "ipad": "tablet",
        "flash drive": "flash_drive",
        "usb stick": "flash_drive",
        "usb drive": "flash_drive",
        "tape": "backup_tape",
        "backup tape": "backup_tape",
        "back up tape": "backup_tape",
        "backup disk": "backup_disk",
        "back up disk": "backup_disk",
        "token": "otp_token",
        "otp token": "otp_token",
    },
)
STATUSES = _choices(Device.Status.choices, {"": Device.Status.IN_USE, "in stock": "in_store"})


def _choice(known: dict[str, str], what: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        try:
            return known[_words(value)]
        except KeyError:
            raise ValueError(f"“{value}” is not a {what} Bastion knows") from None

    return parse


def _text(limit: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value.strip()) > limit:
            raise ValueError(f"is longer than {limit} characters")
        return value.strip()

    return parse


def _purchased(value: str):
    day = _date(value)
    if day and day > timezone.localdate():
        raise ValueError(f"“{value}” is in the future")
    return day


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    parse: Callable
    names: tuple[str, ...] = ()
    required: bool = False


COLUMNS = [
    Column("kind", "Kind", _choice(KINDS, "kind of device"), ("type", "device type"), True),
    Column("make", "Make", _text(80), ("manufacturer", "brand")),
    Column("model", "Model", _text(80)),
    Column("serial", "Serial", _text(80), ("serial number", "serial no")),
    Column("asset_tag", "Asset tag", _text(40), ("asset", "tag", "asset number"), True),
    Column("holds_personal_data", "Holds personal data", _bool, ("personal data",)),
    Column("encrypted", "Encrypted", _bool, ("encryption",)),
    Column("location", "Location name", _text(120), ("location", "room")),
    Column("purchased_on", "Purchase date", _purchased, ("purchased", "purchased on")),
    Column("status", "Status", _choice(STATUSES, "status")),
]


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _columns(headers: list[str]) -> dict[str, int]:
    """{field: column index} by the column names (and their usual variants)."""
    at = {}
    for index, header in enumerate(headers):
        at.setdefault(_norm(header), index)
    found = {}
    for column in COLUMNS:
        for name in (column.label, column.name, *column.names):
            if _norm(name) in at:
                found[column.name] = at[_norm(name)]
                break
    missing = [c.label for c in COLUMNS if c.required and c.name not in found]
    if missing:
        raise ImportRefused(
            [f"The file has no column called: {', '.join(missing)}. Add it and try again."]
        )
    return found


@dataclass
class Imported:
    created: list[Device] = field(default_factory=list)
    updated: dict[int, dict] = field(default_factory=dict)  # {pk: {field: [old, new]}}
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{len(self.created)} added, {len(self.updated)} updated, {self.unchanged} unchanged"


def _parse_row(row: list[str], columns: dict[str, int], at: str, headers) -> tuple[dict, list]:
    values, errors = {}, []
    for column in COLUMNS:
        if column.name not in columns:
            continue
        index = columns[column.name]
        raw = row[index] if index < len(row) else ""
        where = f"{at}, column “{headers[index]}”"
        if FORMULA.match(raw):
            errors.append(
                f"{where}: “{raw[:30]}” starts like a spreadsheet formula, which "
                "Bastion refuses. Remove the formula or its first character."
            )
        elif column.required and not raw.strip():
            errors.append(f"{where}: {column.label} is missing.")
        else:
            try:
                values[column.name] = column.parse(raw)
            except ValueError as exc:
                errors.append(f"{where}: {exc}.")
    return values, errors


def _plan(school, table: Table) -> list[dict]:
    """Each row's values, with its device if one has the asset tag; or ImportRefused."""
    columns = _columns(table.headers)
    places = {
        loc.name.lower(): loc for loc in Location.objects.filter(school=school, archived=False)
    }
    existing = {}
    for device in Device.objects.filter(school=school).exclude(asset_tag="").order_by("-pk"):
        existing[device.asset_tag] = device
        existing.setdefault(device.asset_tag.lower(), device)
    errors: list[str] = []
    rows, first_seen = [], {}
    for i, row in enumerate(table.rows):
        at = table.where(i)
        values, row_errors = _parse_row(row, columns, at, table.headers)
        row_errors += _place(values, places, at, table.headers[columns.get("location", 0)])
        tag = values.get("asset_tag", "")
        if tag and tag.lower() in first_seen:
            row_errors.append(f"{at}: the asset tag “{tag}” is also on {first_seen[tag.lower()]}.")
        elif tag:
            first_seen[tag.lower()] = at.lower()
        device = existing.get(tag) or existing.get(tag.lower())
        if device is not None and not row_errors:
            row_errors += _update_errors(device, values, at)
        values["_device"] = device
        rows.append(values)
        errors += row_errors
        if len(errors) >= MAX_ERRORS:
            errors.append("… and more. Fix these first.")
            break
    if errors:
        raise ImportRefused(errors)
    return rows


def _place(values: dict, places: dict[str, Location], at: str, header: str) -> list[str]:
    """Turn the location's name into its id; an unknown name is an error."""
    if "location" not in values:
        return []
    name = values.pop("location")
    place = places.get(name.lower()) if name else None
    values["location_id"] = place.pk if place else None
    if name and place is None:
        return [
            f"{at}, column “{header}”: there is no location called “{name}”. Add it under "
            "Locations first, or correct the name."
        ]
    if place and place.is_off_site and values.get("kind") in Device.BACKUP_MEDIA:
        return [f"{at}, column “{header}”: {OFF_SITE_REFUSED}"]
    return []


def _changes(device: Device, values: dict) -> dict:
    changes = {}
    for name in FIELDS:
        if name in values and getattr(device, name) != values[name]:
            changes[name] = values[name]
    return changes


def _update_errors(device: Device, values: dict, at: str) -> list[str]:
    changes = _changes(device, values)
    tag = device.asset_tag
    if changes and device.status == Device.Status.DISPOSED:
        return [f"{at}: the device “{tag}” was disposed of and stays as it was recorded."]
    if changes.get("status") in MISSING and device.status not in MISSING:
        return [
            f"{at}: to mark the device “{tag}” lost or stolen, report it from its page, so the "
            "DPO and the SIRO are told at once."
        ]
    return []


def device_import(*, actor, school, filename: str, data: bytes, request=None) -> Imported:
    """Check a whole inventory file, then add and update devices in one transaction, audited as
    one event listing every change. Raises ImportRefused (by row and column) on any problem."""
    rows = _plan(school, read_table(data, filename))
    result = Imported()
    changed = []
    for values in rows:
        device = values.pop("_device")
        if device is None:
            fields = {k: v for k, v in values.items() if not k.startswith("_")}
            result.created.append(Device(school=school, **fields))
            continue
        changes = _changes(device, values)
        if not changes:
            result.unchanged += 1
            continue
        before = audit.snapshot(device, changes)
        for name, value in changes.items():
            setattr(device, name, value)
        result.updated[device.pk] = audit.diff(before, audit.snapshot(device, changes))
        changed.append(device)
    try:
        with transaction.atomic():
            _write(actor, school, filename, result, changed, request)
    except IntegrityError:  # another import or edit took an asset tag since the file was checked
        raise ImportRefused(
            ["The register changed while the file was being checked. Import it again."]
        ) from None
    return result


def _write(actor, school, filename: str, result: Imported, changed: list, request) -> None:
    fields = sorted({name for pk in result.updated for name in result.updated[pk]})
    Device.objects.bulk_create(result.created, batch_size=500)
    if changed:
        for device in changed:
            device.updated_at = timezone.now()
        Device.objects.bulk_update(changed, [*fields, "updated_at"], batch_size=200)
    audit.record(
        "devices.imported",
        actor=actor,
        school=school,
        request=request,
        object_repr=f"Device inventory from {filename}"[:200],
        changes={
            "file": filename,
            "created": len(result.created),
            "updated_count": len(result.updated),
            "unchanged": result.unchanged,
            "created_ids": [d.pk for d in result.created],
            "updated": {str(pk): c for pk, c in result.updated.items()},
        },
    )
