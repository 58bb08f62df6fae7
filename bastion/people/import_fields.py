"""The columns of each roster (staff, pupils, contacts): how each cell is read and checked, the
names MIS exports give them, and the guess of which column is which."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from bastion.people.models import YEAR_GROUPS, Contract, Relationship

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")
YEAR_CODES = {code for code, _ in YEAR_GROUPS}
YEAR_WORDS = {"RECEPTION": "R", "REC": "R", "0": "R", "NURSERY 1": "N1", "NURSERY 2": "N2"}
YEAR_PREFIX = re.compile(r"^(?:YEAR|YR|Y)\s*(.+)$")
UPN = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")
# DfE relationship codes (as in a CTF) and the words MIS exports use, for our few choices.
RELATIONSHIPS = {
    "pam": "mother",
    "paf": "father",
    "mum": "mother",
    "dad": "father",
    "car": "carer",
    "fom": "carer",
    "fof": "carer",
    "foster carer": "carer",
    "gdn": "guardian",
    "grm": "grandparent",
    "grf": "grandparent",
    "grandmother": "grandparent",
    "grandfather": "grandparent",
    "stm": "other",
    "stf": "other",
    "fam": "other",
    "rel": "other",
    "oth": "other",
    "chm": "other",
    "swr": "other",
    "doc": "other",
}


def _text(value: str) -> str:
    return value.strip()


def _date(value: str) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    for fmt in DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if not 1900 <= parsed.year <= 2100:
            raise ValueError(f"“{value}” is not a likely date")
        return parsed
    raise ValueError(f"“{value}” is not a date (use 2024-09-01 or 01/09/2024)")


def _birth_date(value: str) -> dt.date | None:
    parsed = _date(value)
    if parsed and parsed > timezone.localdate():
        raise ValueError(f"“{value}” is in the future")
    return parsed


def _bool(value: str) -> bool:
    v = value.strip().lower()
    if v in ("", "0", "no", "n", "false", "f"):
        return False
    if v in ("1", "yes", "y", "true", "t"):
        return True
    raise ValueError(f"“{value}” is not yes or no")


def _email(value: str) -> str:
    value = value.strip().lower()
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValueError(f"“{value}” is not an e-mail address") from None
    return value


def _year(value: str) -> str:
    """A year group as schools write it: "3", "Year 3", "Y3", "Yr 3", "R", "YR", "Reception"."""
    v = " ".join(value.strip().upper().split())
    v = YEAR_WORDS.get(v, v)
    if v not in YEAR_CODES and (prefixed := YEAR_PREFIX.match(v)):
        v = YEAR_WORDS.get(prefixed[1], prefixed[1])
    if v.isdigit():
        v = str(int(v))
        v = YEAR_WORDS.get(v, v)
    if v not in YEAR_CODES:
        raise ValueError(f"“{value}” is not a year group (N1, N2, R, 1 to 14)")
    return v


def _upn(value: str) -> str:
    v = value.strip().upper()
    if not UPN.match(v):
        raise ValueError(f"“{value}” is not a UPN (a letter, 11 digits, then a digit or letter)")
    return v


def _contract(value: str) -> str:
    v = re.sub(r"[\s-]+", "_", value.strip().lower())
    if not v:
        return ""
    known = {c.value: c.value for c in Contract} | {
        c.label.lower().replace(" ", "_"): c.value for c in Contract
    }
    if v not in known:
        raise ValueError(
            f"“{value}” is not a contract type (permanent, fixed term, supply, agency, casual)"
        )
    return known[v]


def _relationship(value: str) -> str:
    v = " ".join(value.strip().lower().replace("-", " ").split())
    v = RELATIONSHIPS.get(v, v)
    valid = {r.value for r in Relationship}
    if v not in valid:
        raise ValueError(f"“{value}” is not a relationship ({', '.join(sorted(valid))})")
    return v


def _priority(value: str) -> int:
    v = value.strip() or "1"
    if not v.isdigit() or not 1 <= int(v) <= 20:
        raise ValueError(f"“{value}” is not a contact priority (1 to 20)")
    return int(v)


def _limited(parser: Callable, limit: int) -> Callable:
    def parse(value: str):
        if len(value.strip()) > limit:
            raise ValueError(f"is longer than {limit} characters")
        return parser(value)

    return parse


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    parse: Callable
    required: bool = False
    synonyms: tuple[str, ...] = ()


def F(name, label, parse=_text, required=False, synonyms=(), limit=100) -> Field:
    return Field(name, label, _limited(parse, limit), required, (label, name, *synonyms))


FIRST = ("forename", "legal forename", "given name", "first names")
LAST = ("surname", "legal surname", "family name")
SPECS: dict[str, list[Field]] = {
    "staff": [
        F(
            "mis_id",
            "Staff code",
            synonyms=("staff id", "payroll number", "employee id", "code"),
            limit=40,
        ),
        F("first_name", "First name", required=True, synonyms=FIRST),
        F("last_name", "Last name", required=True, synonyms=LAST),
        F("email", "E-mail", _email, synonyms=("email", "work email", "email address"), limit=254),
        F("phone", "Phone", synonyms=("telephone", "mobile", "phone number"), limit=40),
        F("job_title", "Job title", synonyms=("role", "post"), limit=120),
        F("contract", "Contract", _contract, synonyms=("contract type", "employment type")),
        F("agency_name", "Agency", synonyms=("agency name",), limit=120),
        F(
            "started_on",
            "Start date",
            _date,
            synonyms=("start", "employment start", "date started"),
        ),
        F("left_on", "Leaving date", _date, synonyms=("end date", "date left", "leaving")),
        F("teaching_role", "Teaching role", _bool, synonyms=("teacher", "teaching")),
        F("management_role", "Management role", _bool, synonyms=("management", "senior leader")),
    ],
    "pupils": [
        F("mis_id", "UPN", _upn, required=True, synonyms=("unique pupil number",), limit=13),
        F("first_name", "First name", required=True, synonyms=FIRST),
        F("last_name", "Last name", required=True, synonyms=LAST),
        F(
            "date_of_birth",
            "Date of birth",
            _birth_date,
            required=True,
            synonyms=("dob", "birth date"),
        ),
        F(
            "year_group",
            "Year group",
            _year,
            required=True,
            synonyms=("year", "nc year", "ncyearactual", "national curriculum year"),
        ),
        F(
            "class_name",
            "Class",
            synonyms=("reg group", "registration group", "form", "class name"),
            limit=40,
        ),
    ],
    "contacts": [
        F(
            "mis_id",
            "Contact id",
            required=True,
            synonyms=("contact code", "contact reference", "contact id", "id"),
            limit=40,
        ),
        F("first_name", "First name", required=True, synonyms=FIRST),
        F("last_name", "Last name", required=True, synonyms=LAST),
        F("email", "E-mail", _email, synonyms=("email", "email address"), limit=254),
        F("phone", "Phone", synonyms=("telephone", "mobile", "phone number"), limit=40),
        F("pupil_upn", "Pupil UPN", _upn, required=True, synonyms=("upn", "child upn"), limit=13),
        F(
            "relationship",
            "Relationship",
            _relationship,
            required=True,
            synonyms=("relation", "relationship to pupil"),
        ),
        F(
            "parental_responsibility",
            "Parental responsibility",
            _bool,
            synonyms=("responsibility", "pr", "has parental responsibility"),
        ),
        F("contact_priority", "Priority", _priority, synonyms=("contact priority", "order")),
    ],
}


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def guess_mapping(kind: str, headers: list[str], remembered: dict | None = None) -> dict[str, str]:
    """{field: header}: the school's remembered choice where the file still has that column,
    else a column whose name is a known synonym; never one column for two fields."""
    remembered = remembered or {}
    by_norm: dict[str, str] = {}
    for h in headers:
        by_norm.setdefault(_norm(h), h)
    mapping: dict[str, str] = {}
    for f in SPECS[kind]:
        if remembered.get(f.name) in headers and remembered[f.name] not in mapping.values():
            mapping[f.name] = remembered[f.name]
    for f in SPECS[kind]:
        if f.name in mapping:
            continue
        for synonym in f.synonyms:
            header = by_norm.get(_norm(synonym))
            if header and header not in mapping.values():
                mapping[f.name] = header
                break
    return mapping
