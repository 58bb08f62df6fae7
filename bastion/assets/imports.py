"""Import a school's register spreadsheet: upload, choose which column is which (remembered per
school), preview, import. The whole file is checked first and refused, by row and column, on
any problem. Rows are matched to assets by the Reference column (or, without one, by name), so
importing the same file again changes nothing. File checks are the people imports'."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from bastion.assets import services
from bastion.assets.columns import BY_NAME, COLUMNS, guess_mapping
from bastion.assets.models import AssetImport, InformationAsset, RegisterSettings
from bastion.core import audit
from bastion.equipment.models import Location
from bastion.lib import crypto
from bastion.people.import_files import (
    MAX_BYTES,
    ImportRefused,
    Table,
    _headers,
    read_table,
    too_large,
)
from bastion.people.imports import FORMULA
from bastion.people.models import Kind, Person
from bastion.systems.models import System

MAX_ERRORS = 200
SAMPLE = 10

# ---- the file ------------------------------------------------------------------------------


def register_table(data: bytes, filename: str) -> Table:
    """The file's table, skipping title lines above the column names (Bastion's own export has
    a title and a subtitle; many schools' templates have one too)."""
    table = read_table(data, filename)
    if len(table.headers) > 1:
        return table
    for i, row in enumerate(table.rows[:5]):
        if sum(1 for cell in row if cell.strip()) > 1:
            rows = table.rows[i + 1 :]
            if not rows:
                raise ImportRefused(["The file has column names but no rows of assets."])
            return Table(_headers(row), rows, table.numbers[i + 1 :])
    raise ImportRefused(["The file has no row of column names (such as “Information asset”)."])


# ---- checking every cell -------------------------------------------------------------------


@dataclass
class Row:
    at: str
    values: dict  # model field -> value, only for the columns in the file
    asset: InformationAsset | None = None


@dataclass
class Plan:
    rows: int = 0
    creates: list[Row] = field(default_factory=list)
    updates: list[tuple[Row, dict]] = field(default_factory=list)  # (row, {field: [old, new]})
    unchanged: int = 0

    def summary(self) -> dict:
        return {
            "rows": self.rows,
            "created": len(self.creates),
            "updated": len(self.updates),
            "unchanged": self.unchanged,
            "samples": {
                "created": [r.values.get("name", "") for r in self.creates[:SAMPLE]],
                "updated": [
                    f"{row.asset.reference} {row.asset.name}: "
                    + ", ".join(_header_of(name) for name in changes)
                    for row, changes in self.updates[:SAMPLE]
                ],
            },
        }


def _header_of(field_name: str) -> str:
    name = field_name.removesuffix("_id")
    column = BY_NAME.get(name) or BY_NAME.get(f"{name}_name")
    return column.header if column else field_name


class _Lookups:
    """The school's staff, systems and places by the names a spreadsheet gives them."""

    def __init__(self, school):
        today = timezone.localdate()
        staff = Person.objects.filter(school=school, kind=Kind.STAFF).order_by("pk")
        self.by_email: dict[str, int] = {}
        self.by_name: dict[str, list[tuple[int, bool]]] = {}
        for pk, first, last, email, left in staff.values_list(
            "pk", "first_name", "last_name", "email", "left_on"
        ):
            if email:
                self.by_email.setdefault(email.lower(), pk)
            name = " ".join(f"{first} {last}".lower().split())
            self.by_name.setdefault(name, []).append((pk, left is None or left > today))
        self.systems = {
            n.lower(): pk
            for pk, n in System.objects.filter(school=school).values_list("pk", "name")
        }
        self.places = {
            n.lower(): pk
            for pk, n in Location.objects.filter(school=school).values_list("pk", "name")
        }

    def owner(self, values: dict, where) -> tuple[int | None, list[str]]:
        """The owner by e-mail, else by name (a current member of staff before a leaver)."""
        email = values.pop("owner_email", "") or ""
        name = values.pop("owner_name", "") or ""
        if email and (pk := self.by_email.get(email.lower())):
            return pk, []
        if name:
            found = self.by_name.get(" ".join(name.lower().split()), [])
            current = [pk for pk, is_current in found if is_current]
            if len(current) == 1 or (not current and len(found) == 1):
                return (current or [found[0][0]])[0], []
            if found:
                return None, [
                    f"{where('owner_name')}: more than one member of staff is called “{name}”; "
                    "give the owner's e-mail address in the owner e-mail column."
                ]
        if email or name:
            column = "owner_name" if name else "owner_email"
            return None, [
                f"{where(column)}: there is no member of staff “{name or email}” in the people "
                "directory. Add them there first, or correct the name."
            ]
        return None, []

    def named(self, kind: str, values: dict, where) -> tuple[int | None, list[str]]:
        key, known, register = {
            "system": ("system_name", self.systems, "the systems register"),
            "location": ("location_name", self.places, "the locations of the equipment register"),
        }[kind]
        name = values.pop(key, "") or ""
        if not name:
            return None, []
        if pk := known.get(name.lower()):
            return pk, []
        return None, [
            f"{where(key)}: there is no {kind} called “{name}” in {register}. Add it there "
            "first, or correct the name."
        ]


def _cells(row: list[str], columns: dict[str, int], headers, at: str) -> tuple[dict, list]:
    values, errors = {}, []
    for name, index in columns.items():
        column = BY_NAME[name]
        raw = row[index] if index < len(row) else ""
        where = f"{at}, column “{headers[index]}”"
        if FORMULA.match(raw):
            errors.append(
                f"{where}: “{raw[:30]}” starts like a spreadsheet formula, which Bastion "
                "refuses. Remove the formula or its first character."
            )
        elif column.required and not raw.strip():
            errors.append(f"{where}: {column.header} is missing.")
        else:
            try:
                values[name] = column.parse(raw)
            except ValueError as exc:
                errors.append(f"{where}: {exc}.")
    return values, errors


def _columns(headers: list[str], mapping: dict[str, str]) -> dict[str, int]:
    missing = [c.header for c in COLUMNS if c.required and mapping.get(c.name) not in headers]
    if missing:
        raise ImportRefused(
            [f"Choose the column that holds: {', '.join(missing)}. Every asset needs a name."]
        )
    chosen = [mapping[c.name] for c in COLUMNS if mapping.get(c.name) in headers]
    if twice := sorted({h for h in chosen if chosen.count(h) > 1}):
        raise ImportRefused(
            [
                f"The column “{h}” is chosen for more than one field: choose one for each."
                for h in twice
            ]
        )
    return {
        c.name: headers.index(mapping[c.name]) for c in COLUMNS if mapping.get(c.name) in headers
    }


def plan_import(school, table: Table, mapping: dict[str, str]) -> Plan:
    """What importing the table would do, read in a fixed number of queries; raises
    ImportRefused listing every bad cell and every contradiction, by row and column."""
    columns = _columns(table.headers, mapping)
    lookups = _Lookups(school)
    existing = list(InformationAsset.objects.filter(school=school).order_by("archived_on", "pk"))
    by_ref = {a.reference.lower(): a for a in existing}
    by_name: dict[str, list[InformationAsset]] = {}
    for asset in existing:
        by_name.setdefault(asset.name.lower(), []).append(asset)
    plan = Plan(rows=len(table.rows))
    errors: list[str] = []
    seen: dict[tuple[str, str], str] = {}
    matched: dict[int, str] = {}
    for i, cells in enumerate(table.rows):
        at = table.where(i)

        def where(name, at=at):
            index = columns.get(name)
            return f"{at}, column “{table.headers[index]}”" if index is not None else at

        values, row_errors = _cells(cells, columns, table.headers, at)
        if not row_errors:
            row_errors += _links(values, columns, lookups, where)
        reference = values.get("reference", "")
        key = ("reference", reference.lower()) if reference else ("name", values.get("name", ""))
        if key[1] and key in seen:
            row_errors.append(
                f"{where(key[0])}: “{reference or values['name']}” is also on {seen[key]}."
            )
        elif key[1]:
            seen[key] = at.lower()
        asset = None
        if reference:
            asset = by_ref.get(reference.lower())
        elif values.get("name"):
            namesakes = by_name.get(values["name"].lower(), [])
            if len(namesakes) > 1:
                row_errors.append(
                    f"{where('name')}: more than one asset is called “{values['name']}”: add the "
                    "Reference column (export the register to get it)."
                )
            asset = namesakes[0] if namesakes else None
        if asset is not None and asset.pk in matched:
            row_errors.append(f"{at}: this is the same asset as on {matched[asset.pk]}.")
        elif asset is not None:
            matched[asset.pk] = at.lower()
        if not row_errors:
            row_errors += _rule_errors(values, asset, where)
        errors += row_errors
        if len(errors) >= MAX_ERRORS:
            errors.append("… and more. Fix these first.")
            break
        if row_errors:
            continue
        row = Row(at, values, asset)
        if asset is None:
            plan.creates.append(row)
        elif changes := _changes(asset, values):
            plan.updates.append((row, changes))
        else:
            plan.unchanged += 1
    if errors:
        raise ImportRefused(errors)
    return plan


def _links(values: dict, columns, lookups: _Lookups, where) -> list[str]:
    errors = []
    if "owner_name" in columns or "owner_email" in columns:
        values["owner_id"], found = lookups.owner(values, where)
        errors += found
    for kind in ("system", "location"):
        if f"{kind}_name" in columns:
            values[f"{kind}_id"], found = lookups.named(kind, values, where)
            errors += found
    return errors


def _rule_errors(values: dict, asset, where) -> list[str]:
    merged = {name: getattr(asset, name) if asset else None for name in services.FIELDS}
    if asset is None:
        merged |= {"data_subjects": [], "special_categories": []}
    merged |= values
    found = services.rule_errors(merged)
    return [f"{where(name)}: {message}" for name, message in found.items()]


def _changes(asset: InformationAsset, values: dict) -> dict:
    return {
        name: [getattr(asset, name), value]
        for name, value in values.items()
        if name != "reference" and getattr(asset, name) != value
    }


# ---- the steps -----------------------------------------------------------------------------


def remembered_mapping(school) -> dict:
    row = RegisterSettings.objects.filter(school=school).first()
    return dict(row.import_mapping) if row else {}


def import_upload(*, actor, school, filename: str, data: bytes, request=None) -> AssetImport:
    """Check that the file can be read, guess its columns, and keep it (encrypted)."""
    if len(data) > MAX_BYTES:
        raise ImportRefused([too_large(len(data))])
    filename = filename.replace("\\", "/").rsplit("/", 1)[-1][:200] or "upload"
    table = register_table(data, filename)
    job = AssetImport(
        school=school,
        filename=filename,
        payload=crypto.encrypt(data),
        mapping=guess_mapping(table.headers, remembered_mapping(school)),
        created_by=actor,
    )
    with transaction.atomic():
        job.save()
        audit.record(
            "assets.import_uploaded",
            actor=actor,
            school=school,
            obj=job,
            request=request,
            changes={"file": filename, "rows": len(table.rows)},
        )
    return job


def job_table(job: AssetImport) -> Table:
    try:
        data = crypto.decrypt(job.payload)
    except ValueError:
        raise ImportRefused(["The uploaded file can no longer be read: upload it again."]) from None
    return register_table(data, job.filename)


def import_check(*, job: AssetImport, mapping: dict) -> AssetImport:
    """Check the whole file with these columns: on success the preview, else the errors."""
    job.mapping = mapping
    try:
        plan = plan_import(job.school, job_table(job), mapping)
    except ImportRefused as refused:
        job.errors, job.summary, job.status = refused.errors, {}, AssetImport.Status.UPLOADED
    else:
        job.errors, job.summary, job.status = [], plan.summary(), AssetImport.Status.PLANNED
        RegisterSettings.objects.update_or_create(
            school=job.school, defaults={"import_mapping": mapping}
        )
    job.save(update_fields=["mapping", "errors", "summary", "status"])
    return job


def import_apply(*, actor, job: AssetImport, request=None) -> dict:
    """Plan the file again (the register may have changed since the preview) and write it all in
    one transaction, audited as one event listing every change."""
    school = job.school
    plan = plan_import(school, job_table(job), job.mapping)
    try:
        with transaction.atomic():
            result = _write(actor, school, plan, job.filename, request)
            job.status, job.summary = AssetImport.Status.DONE, {**job.summary, "result": result}
            job.save(update_fields=["status", "summary"])
    except IntegrityError:  # another import or edit took a reference meanwhile
        raise ImportRefused(
            ["The register changed while the file was being checked. Import it again."]
        ) from None
    return result


def _write(actor, school, plan: Plan, filename: str, request) -> dict:
    taken = {r.values["reference"] for r in plan.creates if r.values.get("reference")}
    fresh = iter(
        ref
        for ref in services.next_references(school, len(plan.creates) + len(taken))
        if ref not in taken
    )
    new = []
    for row in plan.creates:
        values = {k: v for k, v in row.values.items() if k != "reference"}
        asset = InformationAsset(
            school=school, reference=row.values.get("reference") or next(fresh), **values
        )
        services._tidy(asset)
        new.append(asset)
    InformationAsset.objects.bulk_create(new, batch_size=500)
    now = timezone.now()
    changed, names = [], {"updated_at"}
    for row, changes in plan.updates:
        for name, (_, value) in changes.items():
            setattr(row.asset, name, value)
            names.add(name)
        row.asset.updated_at = now
        changed.append(row.asset)
    InformationAsset.objects.bulk_update(changed, sorted(names), batch_size=200)
    result = {"created": len(new), "updated": len(changed), "unchanged": plan.unchanged}
    audit.record(
        "assets.imported",
        actor=actor,
        school=school,
        request=request,
        object_repr=f"Information asset register from {filename}"[:200],
        changes={
            "file": filename,
            **result,
            "created_ids": [a.pk for a in new],
            "updated": {str(row.asset.pk): changes for row, changes in plan.updates},
        },
    )
    return result
