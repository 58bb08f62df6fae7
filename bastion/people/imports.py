"""Roster imports from the MIS (T7): the columns of each roster, and the three steps every file
goes through.

`parse_rows` checks every cell and refuses the whole file, by row and column, on any problem;
`plan_import` works out (read-only) who is created, updated and marked as left; `apply_plan`
writes a plan in one transaction. Re-running the same file plans nothing, so it changes nothing.
Reading the files themselves is in import_files.py.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from bastion.core import audit
from bastion.core.models import PRIVILEGED_ROLES, ROLES, Membership
from bastion.people import scr
from bastion.people.import_fields import SPECS, guess_mapping  # re-exported
from bastion.people.import_files import MAX_BYTES, ImportRefused, Table, read_table  # re-exported
from bastion.people.models import Kind, ParentLink, PeopleSettings, Person

__all__ = [
    "MAX_BYTES",
    "SPECS",
    "ImportRefused",
    "Plan",
    "Table",
    "apply_plan",
    "guess_mapping",
    "parse_rows",
    "plan_import",
    "read_table",
]

MAX_ERRORS = 200
# A cell that a spreadsheet would run as a formula. A leading + or - is allowed before a number
# such as a telephone number ("+44 20 7946 0000") or "-5", which no spreadsheet runs.
FORMULA = re.compile(r"^[=@\t\r\n]|^[+-](?![\d\s().]*$)")
KIND_OF = {"staff": Kind.STAFF, "pupils": Kind.PUPIL, "contacts": Kind.PARENT}
LINK_FIELDS = ("relationship", "parental_responsibility", "contact_priority")
NOT_PERSON = {"pupil_upn", *LINK_FIELDS}
CHUNK = 900  # ids per IN (...) query: SQLite allows 999 parameters


def _chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---- checking every cell -------------------------------------------------------------------


def _columns(kind: str, headers: list[str], mapping: dict[str, str]) -> dict[str, int]:
    """{field: column index}; refuses a mapping that misses a required column or uses one
    column for two fields."""
    spec = SPECS[kind]
    missing = [f.label for f in spec if f.required and mapping.get(f.name) not in headers]
    if missing:
        raise ImportRefused(
            [
                f"The file has no column for: {', '.join(missing)}. Choose the column that holds "
                "it, or add it to the file."
            ]
        )
    chosen = [mapping[f.name] for f in spec if mapping.get(f.name) in headers]
    twice = sorted({h for h in chosen if chosen.count(h) > 1})
    if twice:
        raise ImportRefused(
            [
                f"The column “{h}” is chosen for more than one field: choose one column for each."
                for h in twice
            ]
        )
    return {f.name: headers.index(mapping[f.name]) for f in spec if mapping.get(f.name) in headers}


def _keys(kind: str, values: dict) -> list[tuple[str, str]]:
    """(field, value) pairs that must be unique within one file."""
    if kind == "staff":
        return [(k, values[k]) for k in ("mis_id", "email") if values.get(k)]
    if kind == "contacts" and values.get("mis_id"):
        # One parent of two pupils is two rows: the pair must be unique, not the contact id.
        return [("mis_id", f"{values['mis_id']} for pupil {values.get('pupil_upn', '')}")]
    return [("mis_id", values["mis_id"])] if values.get("mis_id") else []


def _lower_row(at: str) -> str:
    return "row" + at[3:] if at.startswith("Row") else at


def parse_rows(
    kind: str,
    table: Table,
    mapping: dict[str, str],
    progress: Callable[[int, int], None] | None = None,
) -> list[dict]:
    """Each row as a dict of parsed values (with "_at" naming the row); raises ImportRefused
    listing every bad cell, duplicate and formula."""
    columns = _columns(kind, table.headers, mapping)
    spec = [f for f in SPECS[kind] if f.name in columns]
    errors: list[str] = []
    parsed = []
    first_seen: dict[tuple[str, str], str] = {}
    contact_names: dict[str, tuple[tuple[str, str], str]] = {}
    for i, row in enumerate(table.rows):
        at = table.where(i)
        if progress and i % 500 == 0:
            progress(i, len(table.rows))
        bad_columns = set()
        for col, cell in enumerate(row):
            if FORMULA.match(cell):
                header = table.headers[col] if col < len(table.headers) else f"Column {col + 1}"
                errors.append(
                    f"{at}, column “{header}”: “{cell[:30]}” starts like a spreadsheet formula, "
                    "which Bastion refuses. Remove the formula or its first character."
                )
                bad_columns.add(col)
        values: dict = {"_at": at}
        for f in spec:
            column = columns[f.name]
            if column in bad_columns:
                continue
            raw = row[column] if column < len(row) else ""
            if f.required and not raw.strip():
                errors.append(f"{at}, column “{mapping[f.name]}”: {f.label} is missing.")
                continue
            try:
                values[f.name] = f.parse(raw)
            except ValueError as exc:
                errors.append(f"{at}, column “{mapping[f.name]}”: {exc}.")
        errors += _row_errors(kind, values, mapping, first_seen, contact_names)
        parsed.append(values)
        if len(errors) >= MAX_ERRORS:
            errors.append("… and more. Fix these first.")
            break
    if errors:
        raise ImportRefused(errors)
    return parsed


def _row_errors(kind, values, mapping, first_seen, contact_names) -> list[str]:
    at = values["_at"]
    errors = []
    if kind == "staff" and not values.get("mis_id") and not values.get("email"):
        errors.append(f"{at}: a member of staff needs a staff code or an e-mail address.")
    for name, key in _keys(kind, values):
        if (name, key) in first_seen:
            shown = key if kind != "contacts" else key.replace(" for pupil ", ", pupil ")
            errors.append(
                f"{at}, column “{mapping.get(name, name)}”: “{shown}” is also on "
                f"{_lower_row(first_seen[(name, key)])}."
            )
        else:
            first_seen[(name, key)] = at
    if kind == "contacts" and values.get("mis_id") and "last_name" in values:
        names = (values.get("first_name", ""), values["last_name"])
        earlier = contact_names.setdefault(values["mis_id"], (names, at))
        if earlier[0] != names:
            errors.append(
                f"{at}: contact id “{values['mis_id']}” has another name on "
                f"{_lower_row(earlier[1])}; one id must mean one person."
            )
    return errors


# ---- planning ------------------------------------------------------------------------------


@dataclass
class Update:
    pk: int
    name: str
    changes: dict  # {field: (old, new)}
    email: str = ""


@dataclass
class Plan:
    """What an import will do. Links name people by MIS id, so a plan can link a pupil that the
    same file creates (a CTF's pupils and their contacts)."""

    kind: str
    rows: int = 0
    creates: list[dict] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    unchanged: int = 0
    leavers: list[int] = field(default_factory=list)
    # New or changed links: {"parent": contact id, "child": UPN, "relationship": ...}.
    links: list[dict] = field(default_factory=list)
    unlinks: list[int] = field(default_factory=list)  # ParentLink ids the file no longer has
    names: dict[int, str] = field(default_factory=dict)  # leavers' names, for the preview
    emails: dict[int, str] = field(default_factory=dict)  # leavers' e-mails, for the preview
    # Leavers who sign in to Bastion at this school: {pk: labels of the privileged roles held}.
    accounts: dict[int, list[str]] = field(default_factory=dict)
    encoding: str = ""  # how the file's text was read (import_files.ENCODINGS), for the preview

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.creates),
            "updated": len(self.updates),
            "left": len(self.leavers),
            "unchanged": self.unchanged,
            "links": len(self.links),
            "unlinked": len(self.unlinks),
        }


def _match(kind: str, row: dict, by_id: dict, by_email: dict) -> Person | None:
    person = by_id.get(row.get("mis_id") or "")
    if person is None and kind == "staff" and row.get("email"):
        # E-mail matches staff when the row or the person has no staff code; two different
        # codes mean two people, even with a shared address.
        found = by_email.get(row["email"])
        if found is not None and not (row.get("mis_id") and found.mis_id):
            person = found
    return person


def plan_import(
    school, kind: str, parsed: list[dict], mark_leavers: bool = False, new_pupils=frozenset()
) -> Plan:
    """What importing these rows would do, read in a fixed number of queries. `new_pupils`:
    UPNs the same file creates, which contacts may be linked to."""
    plan = Plan(kind=kind, rows=len(parsed))
    existing = list(Person.objects.filter(school=school, kind=KIND_OF[kind]).order_by())
    by_id = {p.mis_id: p for p in existing if p.mis_id}
    by_email: dict[str, Person] = {}
    if kind == "staff":
        for p in sorted(existing, key=lambda p: p.left_on is not None):  # current ones first
            if p.email:
                by_email.setdefault(p.email.lower(), p)
    matched: dict[int, str] = {}
    planned_contacts: set[str] = set()
    errors = []
    for row in parsed:
        if kind == "contacts" and row["mis_id"] in planned_contacts:
            continue  # the same parent again, for another pupil: only the link is new
        values = {k: v for k, v in row.items() if not k.startswith("_") and k not in NOT_PERSON}
        if not values.get("mis_id"):
            values.pop("mis_id", None)  # matched by e-mail: keep the code they have
        if kind != "staff" or "left_on" not in values:
            values["left_on"] = None  # on the roster: current
        person = _match(kind, row, by_id, by_email)
        if person is not None and person.pk in matched:
            errors.append(
                f"{row['_at']}: this is the same person ({person.full_name}) as on "
                f"{_lower_row(matched[person.pk])}."
            )
            continue
        planned_contacts.add(row.get("mis_id", ""))
        if person is None:
            plan.creates.append(values)
            continue
        matched[person.pk] = row["_at"]
        changes = {k: (getattr(person, k), v) for k, v in values.items() if getattr(person, k) != v}
        if changes:
            email = values.get("email") or person.email
            plan.updates.append(Update(person.pk, person.full_name, changes, email))
        else:
            plan.unchanged += 1
    if mark_leavers:
        for p in existing:
            has_key = p.mis_id or (kind == "staff" and p.email)
            if p.pk not in matched and p.left_on is None and has_key:
                plan.leavers.append(p.pk)
                plan.names[p.pk] = p.full_name
                plan.emails[p.pk] = p.email
        if plan.leavers:
            leaving = set(plan.leavers)
            plan.accounts = _accounts(school, [p for p in existing if p.pk in leaving])
    if kind == "contacts":
        errors += _plan_links(plan, school, parsed, existing, new_pupils, mark_leavers)
    if errors:
        raise ImportRefused(errors[:MAX_ERRORS])
    return plan


def _accounts(school, people: list[Person]) -> dict[int, list[str]]:
    """Which of these people hold an account at the school (linked to their record, or with
    the same e-mail address), with the privileged roles they hold. One query over the school's
    memberships, which are far fewer than the people a pupil or parent file can leave out."""
    by_user = {p.user_id: p.pk for p in people if p.user_id}
    by_email = {p.email.lower(): p.pk for p in people if p.email}
    found: dict[int, list[str]] = {}
    members = Membership.objects.for_school(school).active().select_related("user").order_by()
    for membership in members:
        pk = by_user.get(membership.user_id) or by_email.get(membership.user.email.lower())
        if pk is not None:
            held = PRIVILEGED_ROLES & membership.roles
            found[pk] = [
                label for role, label in ROLES if role in held or label in found.get(pk, [])
            ]
    return found


def _plan_links(plan, school, parsed, parents, new_pupils, mark_leavers) -> list[str]:
    pupils = dict(
        Person.objects.filter(school=school, kind=Kind.PUPIL)
        .exclude(mis_id="")
        .order_by()
        .values_list("mis_id", "pk")
    )
    parent_pk = {p.mis_id: p.pk for p in parents if p.mis_id}
    from_mis = {p.pk for p in parents if p.mis_id}
    current = {
        (parent, child): (
            pk,
            {"relationship": rel, "parental_responsibility": pr, "contact_priority": priority},
        )
        for pk, parent, child, rel, pr, priority in ParentLink.objects.filter(school=school)
        .order_by()
        .values_list(
            "pk",
            "parent_id",
            "child_id",
            "relationship",
            "parental_responsibility",
            "contact_priority",
        )
    }
    errors, in_file, children = [], set(), set()
    for row in parsed:
        upn = row["pupil_upn"]
        if upn not in pupils and upn not in new_pupils:
            errors.append(
                f"{row['_at']}: there is no pupil with UPN {upn} in the directory. "
                "Import the pupils first."
            )
            continue
        pair = (parent_pk.get(row["mis_id"]), pupils.get(upn))
        wanted = {k: row[k] for k in LINK_FIELDS if k in row}
        existing = current.get(pair) if None not in pair else None
        if existing is None or any(existing[1][k] != v for k, v in wanted.items()):
            plan.links.append({"parent": row["mis_id"], "child": upn, **wanted})
        in_file.add(pair)
        children.add(pair[1])
    if mark_leavers:
        # For the pupils in the file, the file lists all their contacts: links to contacts
        # from the MIS that it no longer has go (people added by hand keep theirs).
        plan.unlinks = sorted(
            pk
            for (parent, child), (pk, _) in current.items()
            if child in children and parent in from_mis and (parent, child) not in in_file
        )
    return errors


# ---- writing -------------------------------------------------------------------------------


@transaction.atomic
def apply_plan(
    *, actor, school, plan: Plan, source: str, digest: str = "", request=None
) -> tuple[dict, dict]:
    """Write a plan in one transaction, audited as one event that lists every change; returns
    the counts and what undoing it needs (bastion.people.import_undo): the people created, the
    fields updated with their values before, the people marked as left, the links changed."""
    now = timezone.now()
    today = timezone.localdate()
    undo: dict = {"kind": plan.kind, "left_on": today, "updated": {}, "left": []}
    new_people = [Person(school=school, kind=KIND_OF[plan.kind], **v) for v in plan.creates]
    for person in new_people:
        person.fold_search_name()  # bulk_create does not call save()
    Person.objects.bulk_create(new_people, batch_size=500)
    if plan.updates:
        people = Person.objects.in_bulk([u.pk for u in plan.updates])
        fields = {"updated_at"}
        for u in plan.updates:
            undo["updated"][str(u.pk)] = {name: getattr(people[u.pk], name) for name in u.changes}
            for name, (_, new) in u.changes.items():
                setattr(people[u.pk], name, new)
                fields.add(name)
            people[u.pk].updated_at = now
            people[u.pk].fold_search_name()
        if fields & {"first_name", "last_name"}:
            fields.add("search_name")
        Person.objects.bulk_update(list(people.values()), sorted(fields), batch_size=200)
    for chunk in _chunks(plan.leavers):
        leaving = Person.objects.filter(school=school, pk__in=chunk, left_on__isnull=True)
        ids = list(leaving.values_list("pk", flat=True))
        undo["left"] += ids
        Person.objects.filter(pk__in=ids).update(left_on=today, updated_at=now)
    undo["created"] = [p.pk for p in new_people]
    links = _apply_links(school, plan, undo) if plan.kind == "contacts" else []
    if plan.kind == "staff":
        touched = [p.pk for p in new_people] + [u.pk for u in plan.updates]
        for chunk in _chunks(touched):
            scr.refresh_entries(Person.objects.filter(pk__in=chunk))
    counts = plan.counts()
    audit.record(
        "people.imported",
        actor=actor,
        school=school,
        request=request,
        object_repr=f"{plan.kind} import from {source}"[:200],
        changes={
            "kind": plan.kind,
            "file": source,
            "file_sha256": digest,
            **counts,
            "created_ids": [p.pk for p in new_people],
            "updated": {
                str(u.pk): {k: list(v) for k, v in u.changes.items()} for u in plan.updates
            },
            "left_ids": plan.leavers,
            "links": links,
            "unlinked_ids": plan.unlinks,
        },
    )
    # After every write: a person whose updated_at is later was changed after this import.
    undo["at"] = timezone.now()
    return counts, undo


def _apply_links(school, plan: Plan, undo: dict) -> list[list]:
    ids = {
        kind: dict(
            Person.objects.filter(school=school, kind=kind)
            .exclude(mis_id="")
            .order_by()
            .values_list("mis_id", "pk")
        )
        for kind in (Kind.PARENT, Kind.PUPIL)
    }
    wanted = {
        (ids[Kind.PARENT][link["parent"]], ids[Kind.PUPIL][link["child"]]): {
            k: link[k] for k in LINK_FIELDS if k in link
        }
        for link in plan.links
    }
    children = sorted({child for _, child in wanted})
    existing = {}
    for chunk in _chunks(children):
        for link in ParentLink.objects.filter(school=school, child_id__in=chunk):
            existing[(link.parent_id, link.child_id)] = link
    new, changed = [], []
    undo_changed: dict[str, dict] = {}
    for (parent, child), values in wanted.items():
        link = existing.get((parent, child))
        if link is None:
            new.append(ParentLink(school=school, parent_id=parent, child_id=child, **values))
            continue
        undo_changed[str(link.pk)] = {name: getattr(link, name) for name in LINK_FIELDS}
        for name, value in values.items():
            setattr(link, name, value)
        changed.append(link)
    ParentLink.objects.bulk_create(new, batch_size=500)
    if changed:
        ParentLink.objects.bulk_update(changed, list(LINK_FIELDS), batch_size=200)
    removed = []
    for chunk in _chunks(plan.unlinks):
        gone = ParentLink.objects.filter(school=school, pk__in=chunk)
        removed += [list(row) for row in gone.values_list("parent_id", "child_id", *LINK_FIELDS)]
        gone.delete()
    undo |= {
        "links_created": [link.pk for link in new],
        "links_changed": undo_changed,
        "links_removed": removed,
    }
    # Compact, for the audit event: [parent id, child id, relationship, responsibility, priority].
    return [[p, c, *(v.get(k) for k in LINK_FIELDS)] for (p, c), v in wanted.items()]


def remember_mapping(school, kind: str, mapping: dict) -> None:
    settings_row, _ = PeopleSettings.objects.get_or_create(school=school)
    settings_row.import_mappings = {**settings_row.import_mappings, kind: mapping}
    settings_row.save(update_fields=["import_mappings"])


def remembered_mapping(school, kind: str) -> dict:
    row = PeopleSettings.objects.filter(school=school).first()
    return (row.import_mappings or {}).get(kind, {}) if row else {}


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
