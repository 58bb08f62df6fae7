"""Import who holds an account on which system from CSV or XLSX: one row per account, naming the
system and the person (their e-mail address, or their name as the directory has it).

The whole file is checked before anything is written; any bad row refuses it whole, with the
row and the column. Accounts already held are left as they are, so importing the same file again
changes nothing. The file checks (size, type, encoding) are the people imports'.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from bastion.core import audit
from bastion.lib import crypto
from bastion.people.import_fields import _date
from bastion.people.import_files import ImportRefused, Table, read_table
from bastion.people.imports import FORMULA
from bastion.systems.models import Account, System
from bastion.systems.services import staff_people

MAX_BYTES = 1024 * 1024  # a school's accounts, even thousands of rows, fit well within this
MAX_ERRORS = 200
COLUMNS = {
    "system": ("system", "system name", "service", "application"),
    "person": ("staff", "person", "name", "email", "e-mail", "staff member", "user"),
    "since": ("since", "held since", "created", "created on", "account created"),
}
LABELS = {"system": "System", "person": "Staff (e-mail or name)", "since": "Since"}


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9@.]", "", text.lower())


def _columns(headers: list[str]) -> dict[str, int]:
    at: dict[str, int] = {}
    for index, header in enumerate(headers):
        at.setdefault(_norm(header), index)
    found = {}
    for name, variants in COLUMNS.items():
        for variant in (LABELS[name], *variants):
            if _norm(variant) in at:
                found[name] = at[_norm(variant)]
                break
    missing = [LABELS[n] for n in ("system", "person") if n not in found]
    if missing:
        raise ImportRefused(
            [
                f"The file has no column called: {', '.join(missing)}. Name the columns "
                "“System” and “Staff” (an e-mail address or a name) and try again."
            ]
        )
    return found


@dataclass
class Plan:
    new: list[Account] = field(default_factory=list)
    held: int = 0
    repeated: int = 0

    def __str__(self) -> str:
        return f"{len(self.new)} added, {self.held} already held"


class _People:
    """Find a person of the school by e-mail address or by name (unambiguous only)."""

    def __init__(self, school):
        self.by_email: dict[str, list] = {}
        self.by_name: dict[str, list] = {}
        people = staff_people(school).select_related("user").order_by("pk")
        for person in people:
            for address in {person.email.lower(), (person.user.email if person.user else "")}:
                if address:
                    self.by_email.setdefault(address.lower(), []).append(person)
            for name in (
                f"{person.first_name} {person.last_name}",
                f"{person.last_name}, {person.first_name}",
                f"{person.last_name} {person.first_name}",
            ):
                self.by_name.setdefault(" ".join(name.lower().split()), []).append(person)

    def find(self, value: str):
        """(person, "") or (None, why not)."""
        key = " ".join(value.lower().split())
        found = self.by_email.get(key) if "@" in key else self.by_name.get(key)
        found = list({p.pk: p for p in found or []}.values())
        if len(found) == 1:
            return found[0], ""
        if found:
            return None, (
                f"more than one person is called “{value}”: give their e-mail address instead"
            )
        return None, (
            f"no current member of staff is “{value}” in the people directory. Check the "
            "spelling, or add them to the directory first"
        )


def _cell(row: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return row[index].strip() if index is not None and index < len(row) else ""


def plan_import(school, table: Table, actor=None) -> Plan:
    """What importing `table` would do; raises ImportRefused listing every bad row."""
    columns = _columns(table.headers)
    systems = {
        " ".join(s.name.lower().split()): s
        for s in System.objects.filter(school=school).order_by("pk")
    }
    people = _People(school)
    held = set(Account.objects.filter(school=school).values_list("system_id", "person_id"))
    today = timezone.localdate()
    plan, errors, seen = Plan(), [], set()
    for i, row in enumerate(table.rows):
        at = table.where(i)
        row_errors = []
        values = {name: _cell(row, columns, name) for name in COLUMNS}
        for name, value in values.items():
            where = f"{at}, column “{table.headers[columns[name]]}”" if name in columns else at
            if FORMULA.match(value):
                row_errors.append(
                    f"{where}: “{value[:30]}” starts like a spreadsheet formula, which Bastion "
                    "refuses. Remove the formula or its first character."
                )
                values[name] = None
        where = {n: f"{at}, column “{table.headers[i]}”" for n, i in columns.items()}
        system = person = since = None
        if values["system"] == "":
            row_errors.append(f"{where['system']}: the system is missing.")
        elif values["system"] is not None:
            system = systems.get(" ".join(values["system"].lower().split()))
            if system is None:
                row_errors.append(
                    f"{where['system']}: there is no system called “{values['system']}” in the "
                    "register. Add it first, or correct the name."
                )
            elif system.archived:
                row_errors.append(f"{where['system']}: {system} is archived.")
        if values["person"] == "":
            row_errors.append(f"{where['person']}: the staff member is missing.")
        elif values["person"] is not None:
            person, why = people.find(values["person"])
            if person is None:
                row_errors.append(f"{where['person']}: {why}.")
        if values["since"]:
            try:
                since = _date(values["since"])
            except ValueError:
                row_errors.append(
                    f"{where['since']}: “{values['since']}” is not a date, like 2024-09-01 "
                    "or 01/09/2024."
                )
            else:
                if since and since > today:
                    row_errors.append(f"{where['since']}: “{values['since']}” is in the future.")
        errors += row_errors
        if len(errors) >= MAX_ERRORS:
            errors.append("… and more. Fix these first.")
            break
        if row_errors:
            continue
        key = (system.pk, person.pk)
        if key in held:
            plan.held += 1
        elif key in seen:
            plan.repeated += 1
        else:
            seen.add(key)
            plan.new.append(
                Account(school=school, system=system, person=person, since=since, added_by=actor)
            )
    if errors:
        raise ImportRefused(errors)
    return plan


def preview(*, school, filename: str, data: bytes) -> tuple[Plan, str]:
    """Check a file and say what it would do; returns the plan and a token that carries the
    file (encrypted) to the confirmation, so the upload is not asked for twice."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(
            ["The file is larger than 1 MB; an accounts list never needs that much. Split it."]
        )
    plan = plan_import(school, read_table(data, filename))
    token = base64.urlsafe_b64encode(crypto.encrypt(filename.encode() + b"\0" + data)).decode()
    return plan, token


def unpack(token: str) -> tuple[str, bytes]:
    try:
        raw = crypto.decrypt(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError):
        raise ImportRefused(["The checked file can no longer be read: upload it again."]) from None
    filename, _, data = raw.partition(b"\0")
    return filename.decode("utf-8", "replace"), data


def account_import(*, actor, school, token: str, request=None) -> Plan:
    """Check the previewed file again (the register may have changed) and add its accounts in
    one transaction, audited as one event."""
    filename, data = unpack(token)
    plan = plan_import(school, read_table(data, filename), actor)
    try:
        with transaction.atomic():
            Account.objects.bulk_create(plan.new)
            audit.record(
                "system.accounts_imported",
                actor=actor,
                school=school,
                request=request,
                object_repr=f"Accounts from {filename}"[:200],
                changes={
                    "file": filename,
                    "added": len(plan.new),
                    "already_held": plan.held,
                    "accounts": "; ".join(
                        f"{a.system.name}: {a.person.full_name}" for a in plan.new
                    )[:5000],
                },
            )
    except IntegrityError:
        raise ImportRefused(
            ["Someone added some of these accounts while the file was checked. Import it again."]
        ) from None
    return plan
