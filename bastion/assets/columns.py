"""The register as a spreadsheet: its columns, how each is written to a cell on export and read
back from one on import. Export and import share this one list, so a register exported and
imported again is the same register."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bastion.assets.models import (
    Article9,
    Disposal,
    Format,
    InformationAsset,
    LawfulBasis,
    RetentionFrom,
    Risk,
    SpecialCategory,
    Subject,
)
from bastion.people.import_fields import _bool, _date

LETTER = re.compile(r"^\(([a-j])\)\s*")


def _words(value: str) -> str:
    return " ".join(re.sub(r"[-_/()]+", " ", value.lower()).split())


def _known(choices, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Every way a school may write a choice: its value, its label, the label without the
    article letter ("Public task"), and the letter alone ("e")."""
    known = {}
    for value, label in choices.choices:
        known[_words(value)] = value
        known[_words(label)] = value
        if m := LETTER.match(label):
            known[_words(label[m.end() :])] = value
            known[m[1]] = value
    return known | {_words(k): v for k, v in (extra or {}).items()}


def _choice(choices, what: str, extra: dict[str, str] | None = None) -> Callable[[str], str]:
    known = _known(choices, extra)

    def parse(raw: str) -> str:
        if not raw.strip():
            return ""
        try:
            return known[_words(raw)]
        except KeyError:
            raise ValueError(f"“{raw.strip()}” is not {what} Bastion knows") from None

    return parse


def _many(choices, what: str, extra: dict[str, str] | None = None) -> Callable[[str], list]:
    known = _known(choices, extra)

    def parse(raw: str) -> list[str]:
        found = set()
        # Bastion writes "a; b"; schools write "a, b" too.
        for part in re.split(r"[;\n]+", raw):
            for word in [part] if _words(part) in known else part.split(","):
                if not word.strip():
                    continue
                try:
                    found.add(known[_words(word)])
                except KeyError:
                    raise ValueError(f"“{word.strip()}” is not {what} Bastion knows") from None
        return [v for v in choices.values if v in found]

    return parse


def _text(limit: int) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if len(raw.strip()) > limit:
            raise ValueError(f"is longer than {limit} characters")
        return raw.strip()

    return parse


def _years(raw: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > 150:
        raise ValueError(f"“{raw}” is not a number of years (0 to 150)")
    return int(raw)


def _choice_default(parse: Callable[[str], str], default: str) -> Callable[[str], str]:
    return lambda raw: parse(raw) or default


def _label(choices, value: str) -> str:
    return dict(choices.choices).get(value, "")


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


@dataclass(frozen=True)
class Column:
    name: str  # the asset's field (or, for the links, what the import resolves)
    header: str
    cell: Callable[[InformationAsset], object]
    parse: Callable[[str], object]
    synonyms: tuple[str, ...] = ()
    required: bool = False


UNLIMITED = 5000
COLUMNS = [
    Column("reference", "Reference", lambda a: a.reference, _text(20), ("ref", "id", "asset id")),
    Column(
        "name",
        "Information asset",
        lambda a: a.name,
        _text(200),
        ("asset", "name", "asset name", "information"),
        True,
    ),
    Column(
        "description",
        "Purpose",
        lambda a: a.description,
        _text(UNLIMITED),
        ("description", "purpose of processing", "why"),
    ),
    Column(
        "owner_name",
        "Information asset owner",
        lambda a: a.owner.full_name if a.owner else "",
        _text(201),
        ("owner", "iao", "asset owner"),
    ),
    Column(
        "owner_email",
        "Owner e-mail",
        lambda a: a.owner.email if a.owner else "",
        _text(254),
        ("owner email", "iao email"),
    ),
    Column(
        "data_subjects",
        "Data subjects",
        lambda a: "; ".join(a.subject_labels()),
        _many(
            Subject,
            "a kind of data subject",
            {"pupil": "pupils", "parent": "parents", "carers": "parents", "governor": "governors"},
        ),
        ("whose data", "subjects", "individuals"),
    ),
    Column(
        "personal_data",
        "Personal data",
        lambda a: a.personal_data,
        _text(UNLIMITED),
        ("categories of personal data", "data held", "data items"),
    ),
    Column(
        "special_category",
        "Special category data",
        lambda a: _yes(a.special_category),
        _bool,
        ("special category", "sensitive data"),
    ),
    Column(
        "special_categories",
        "Special categories",
        lambda a: "; ".join(a.special_labels()),
        _many(
            SpecialCategory,
            "a special category",
            {"medical": "health", "sen": "health", "ethnic origin": "ethnicity"},
        ),
        ("which special categories",),
    ),
    Column(
        "article9_condition",
        "Article 9 condition",
        lambda a: _label(Article9, a.article9_condition),
        _choice(Article9, "an Article 9 condition"),
        ("article 9", "condition"),
    ),
    Column(
        "lawful_basis",
        "Lawful basis (Article 6)",
        lambda a: _label(LawfulBasis, a.lawful_basis),
        _choice(LawfulBasis, "a lawful basis"),
        ("lawful basis", "article 6", "legal basis"),
    ),
    Column("source", "Source", lambda a: a.source, _text(300), ("where from", "data source")),
    Column(
        "system_name",
        "System",
        lambda a: a.system.name if a.system else "",
        _text(120),
        ("held in system", "software"),
    ),
    Column(
        "location_name",
        "Location",
        lambda a: a.location.name if a.location else "",
        _text(120),
        ("physical location", "room", "stored in"),
    ),
    Column(
        "held_elsewhere",
        "Held elsewhere",
        lambda a: a.held_elsewhere,
        _text(200),
        ("where held", "storage"),
    ),
    Column(
        "secure_area",
        "Secure area",
        lambda a: _yes(a.secure_area),
        _bool,
        ("secure", "held securely", "secure storage"),
    ),
    Column(
        "format",
        "Format",
        lambda a: _label(Format, a.format),
        _choice_default(
            _choice(Format, "a format", {"electronic and paper": "both", "digital": "electronic"}),
            Format.ELECTRONIC,
        ),
        ("paper or electronic", "medium"),
    ),
    Column("access", "Who has access", lambda a: a.access, _text(UNLIMITED), ("access",)),
    Column(
        "shared_with",
        "Shared with",
        lambda a: a.shared_with,
        _text(UNLIMITED),
        ("recipients", "shared"),
    ),
    Column(
        "transfers_abroad",
        "Transfers outside the UK",
        lambda a: a.transfers_abroad,
        _text(300),
        ("transfers abroad", "international transfers"),
    ),
    Column(
        "security",
        "Security measures",
        lambda a: a.security,
        _text(UNLIMITED),
        ("security", "safeguards"),
    ),
    Column(
        "retention_years",
        "Retention (years)",
        lambda a: a.retention_years,
        _years,
        ("retention years", "years kept"),
    ),
    Column(
        "retention_from",
        "Retention counted from",
        lambda a: _label(RetentionFrom, a.retention_from),
        _choice(RetentionFrom, "an event a retention period runs from"),
        ("retention from", "trigger"),
    ),
    Column(
        "retention_note",
        "Retention",
        lambda a: a.retention_note,
        _text(300),
        ("retention period", "how long kept"),
    ),
    Column("held_until", "Held until", lambda a: a.held_until, _date, ("dispose by", "keep until")),
    Column(
        "weeded_on",
        "Last weeded",
        lambda a: a.weeded_on,
        _date,
        ("weeded on", "last housekeeping"),
    ),
    Column(
        "disposal",
        "Disposal method",
        lambda a: _label(Disposal, a.disposal),
        _choice(Disposal, "a disposal method", {"shred": "shredding", "delete": "secure_deletion"}),
        ("disposal", "how disposed"),
    ),
    Column(
        "risk",
        "Risk",
        lambda a: _label(Risk, a.risk),
        _choice_default(_choice(Risk, "a risk rating (low, medium, high)"), Risk.MEDIUM),
        ("risk rating", "risk level"),
    ),
    Column(
        "dpia_needed",
        "DPIA needed",
        lambda a: _yes(a.dpia_needed),
        _bool,
        ("dpia required",),
    ),
    Column("dpia_done_on", "DPIA done", lambda a: a.dpia_done_on, _date, ("dpia date",)),
    Column(
        "last_reviewed_on",
        "Last reviewed",
        lambda a: a.last_reviewed_on,
        _date,
        ("reviewed", "review date", "date reviewed"),
    ),
    Column("archived_on", "Archived on", lambda a: a.archived_on, _date, ("archived",)),
]
BY_NAME = {c.name: c for c in COLUMNS}


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def guess_mapping(headers: list[str], remembered: dict | None = None) -> dict[str, str]:
    """{column: header}: the school's remembered choice where the file still has that header,
    else a header that is the column's name or a known variant; one header per column."""
    remembered = remembered or {}
    by_norm: dict[str, str] = {}
    for h in headers:
        by_norm.setdefault(_norm(h), h)
    mapping: dict[str, str] = {}
    for c in COLUMNS:
        if remembered.get(c.name) in headers and remembered[c.name] not in mapping.values():
            mapping[c.name] = remembered[c.name]
    for c in COLUMNS:
        if c.name in mapping:
            continue
        for name in (c.header, c.name, *c.synonyms):
            header = by_norm.get(_norm(name))
            if header and header not in mapping.values():
                mapping[c.name] = header
                break
    return mapping
