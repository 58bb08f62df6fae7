"""The DfE Common Transfer File (CTF, T5): pupils and their contacts, read safely.

Only the parts Bastion keeps are read: each pupil's UPN, names, date of birth and actual
National Curriculum year, and each contact's names, relationship, parental responsibility,
e-mail and telephone. XML is parsed with defusedxml (no entity expansion, no external access).
The rows then go through the same checks as a CSV roster (imports.parse_rows).
"""

from __future__ import annotations

import hashlib
import re

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from bastion.people.import_files import MAX_BYTES, ImportRefused, Table, too_large

# The CTF element each field comes from: also the "column" named in messages.
ELEMENTS = {
    "pupils": {
        "mis_id": "UPN",
        "first_name": "Forename",
        "last_name": "Surname",
        "date_of_birth": "DOB",
        "year_group": "NCyearActual",
        "class_name": "RegGroup",
    },
    "contacts": {
        "mis_id": "Contact",
        "first_name": "Forename",
        "last_name": "Surname",
        "email": "Email",
        "phone": "Phone",
        "pupil_upn": "UPN",
        "relationship": "Relationship",
        "parental_responsibility": "Responsibility",
        "contact_priority": "Order",
    },
}


def _text(node, *paths: str) -> str:
    for path in paths:
        found = node.find(path)
        if found is not None and found.text and found.text.strip():
            return found.text.strip()
    return ""


def _strip_namespaces(root) -> None:
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]


def contact_id(upn: str, order: str, surname: str, forename: str, email: str, phone: str) -> str:
    """A CTF has no contact ids: make a stable one. A parent of two pupils in the file (same
    names and e-mail or telephone) gets one id, so one person; without either, one per pupil
    rather than risk merging two people who share a name."""
    reach = email.lower() or re.sub(r"\D", "", phone)
    if reach:
        key = f"{surname.lower()}|{forename.lower()}|{reach}"
    else:
        key = f"{upn}|{order}|{surname.lower()}|{forename.lower()}"
    return "CTF-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def read_ctf(data: bytes) -> tuple[Table, Table]:
    """(pupils, contacts) as tables of raw strings, for imports.parse_rows."""
    if len(data) > MAX_BYTES:
        raise ImportRefused([too_large(len(data))])
    try:
        root = ElementTree.fromstring(data)
    except DefusedXmlException:
        raise ImportRefused(["The file uses XML features Bastion refuses (entities)."]) from None
    except ElementTree.ParseError as exc:
        raise ImportRefused([f"The file is not well-formed XML ({exc})."]) from None
    _strip_namespaces(root)
    if root.tag != "CTfile":
        raise ImportRefused(["The file is XML but not a Common Transfer File (no CTfile root)."])
    pupils, contacts = [], []
    for number, pupil in enumerate(root.iter("Pupil"), start=1):
        upn = _text(pupil, "UPN")
        where = f"Pupil {number}" + (f" ({upn})" if upn else "")
        pupils.append(
            (
                where,
                {
                    "mis_id": upn,
                    "first_name": _text(pupil, "Forename"),
                    "last_name": _text(pupil, "Surname"),
                    "date_of_birth": _text(pupil, "DOB"),
                    "year_group": _text(pupil, "BasicDetails/NCyearActual", ".//NCyearActual"),
                    "class_name": _text(pupil, "BasicDetails/RegGroup", "SchoolHistory//RegGroup"),
                },
            )
        )
        for order, contact in enumerate(pupil.iter("Contact"), start=1):
            values = {
                "first_name": _text(contact, "Forename"),
                "last_name": _text(contact, "Surname"),
                "email": _text(contact, "Email/EmailAddress", "Email", ".//EmailAddress"),
                "phone": _text(contact, ".//PhoneNo", ".//TelephoneNumber", ".//Telephone"),
                "pupil_upn": upn,
                "relationship": _text(contact, "Relationship") or "other",
                "parental_responsibility": _text(contact, "Responsibility") or "no",
                "contact_priority": _text(contact, "Order") or str(order),
            }
            values["mis_id"] = contact_id(
                upn,
                values["contact_priority"],
                values["last_name"],
                values["first_name"],
                values["email"],
                values["phone"],
            )
            contacts.append((f"{where}, contact {order}", values))
    if not pupils:
        raise ImportRefused(["The Common Transfer File holds no pupils."])
    return _as_table("pupils", pupils), _as_table("contacts", contacts)


def _as_table(kind: str, rows: list[tuple[str, dict]]) -> Table:
    names = list(ELEMENTS[kind])
    return Table(
        headers=[ELEMENTS[kind][n] for n in names],
        rows=[[values.get(n, "") for n in names] for _, values in rows],
        numbers=list(range(1, len(rows) + 1)),
        labels=[where for where, _ in rows],
    )


def mapping(kind: str) -> dict[str, str]:
    """The CTF tables' columns are fixed: {field: column}."""
    return dict(ELEMENTS[kind])
