"""The policy as a document: built from the live data, or read back from a frozen version; and
two documents compared statement by statement.

A `Document` is plain data (no queries), so the web page, the downloads, the command and the
archived versions all render the same thing.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field

from bastion.policy import facts
from bastion.policy.models import Policy, Statement

TITLE = "E-Security Policy"


@dataclass
class Item:
    id: int
    code: str
    text: str  # Markdown with its facts filled in
    applicable: bool = True
    reason: str = ""


@dataclass
class Part:
    title: str
    intro: str = ""
    items: list[Item] = field(default_factory=list)

    @property
    def applicable(self) -> list[Item]:
        return [i for i in self.items if i.applicable]


@dataclass
class Document:
    school_name: str
    review_date: str
    next_review_date: str
    reviewed_by: str
    siro: str
    dpo: str
    parts: list[Part]
    label: str = ""  # "Version 2, signed off by ... on ...", or "" for the live policy

    @property
    def header(self) -> list[tuple[str, str]]:
        return [
            ("Name of school", self.school_name),
            ("Policy review date", self.review_date),
            ("Date of next review", self.next_review_date),
            ("Who reviewed this policy?", self.reviewed_by),
            ("Senior Information Risk Owner (SIRO)", self.siro),
            ("Data Protection Officer (DPO)", self.dpo),
        ]

    @property
    def not_applicable(self) -> list[Item]:
        return [i for p in self.parts for i in p.items if not i.applicable]

    def items(self) -> dict[int, tuple[str, Item]]:
        return {i.id: (p.title, i) for p in self.parts for i in p.items}


def statements_of(policy: Policy):
    return Statement.objects.filter(policy=policy).select_related("section")


def build(policy: Policy, statements=None, found: dict | None = None, **dates) -> Document:
    """The policy as it reads now. `dates` may override review_date, next_review_date and
    reviewed_by (a sign-off freezes the new ones)."""
    school = policy.school
    found = dict(found if found is not None else facts.gather(school))
    found.update({k: v for k, v in dates.items() if v})
    statements = list(statements if statements is not None else statements_of(policy))
    parts: dict[int, Part] = {}
    for statement in statements:
        section = statement.section
        part = parts.setdefault(section.pk, Part(section.title, section.intro))
        part.items.append(
            Item(
                statement.pk,
                statement.code,
                facts.fill(statement.text, found),
                statement.applicable,
                statement.reason,
            )
        )
    return Document(
        school_name=school.name,
        review_date=found["review_date"],
        next_review_date=found["next_review_date"],
        reviewed_by=found["reviewed_by"],
        siro=found["siro_name"],
        dpo=found["dpo_name"],
        parts=list(parts.values()),
    )


def to_snapshot(document: Document) -> dict:
    data = asdict(document)
    data.pop("label", None)
    return data


def from_snapshot(data: dict, label: str = "") -> Document:
    parts = [
        Part(p["title"], p.get("intro", ""), [Item(**i) for i in p["items"]])
        for p in data.get("parts", [])
    ]
    fields = {k: data.get(k, "") for k in ("school_name", "review_date", "next_review_date")}
    return Document(
        **fields,
        reviewed_by=data.get("reviewed_by", ""),
        siro=data.get("siro", ""),
        dpo=data.get("dpo", ""),
        parts=parts,
        label=label,
    )


# Comparison ------------------------------------------------------------------------------------

ADDED, REMOVED, CHANGED, SAME = "added", "removed", "changed", "same"
_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass
class Change:
    kind: str
    section: str
    code: str
    # (op, text) pieces: op is "same", "added" or "removed"; rendered by the template (escaped).
    pieces: list[tuple[str, str]]
    notes: list[str] = field(default_factory=list)


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append((SAME, "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            pieces.append((REMOVED, "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            pieces.append((ADDED, "".join(b[j1:j2])))
    return pieces


def _applicability(item: Item) -> str:
    return "applies" if item.applicable else f"not applicable ({item.reason})"


def compare(old: Document, new: Document) -> list[Change]:
    """What changed from `old` to `new`, statement by statement, in the new order (removed
    statements where they used to be)."""
    before, after = old.items(), new.items()
    changes: list[Change] = []
    order = list(after)
    for position, key in enumerate(before):
        if key not in after:
            order.insert(min(position, len(order)), key)
    for key in order:
        if key not in before:
            section, item = after[key]
            changes.append(Change(ADDED, section, item.code, [(ADDED, item.text)]))
        elif key not in after:
            section, item = before[key]
            changes.append(Change(REMOVED, section, item.code, [(REMOVED, item.text)]))
        else:
            (was_in, was), (section, now) = before[key], after[key]
            notes = []
            if was_in != section:
                notes.append(f"Moved from “{was_in}” to “{section}”.")
            if (was.applicable, was.reason) != (now.applicable, now.reason):
                notes.append(f"Was {_applicability(was)}; now {_applicability(now)}.")
            kind = CHANGED if notes or was.text != now.text else SAME
            changes.append(Change(kind, section, now.code, word_diff(was.text, now.text), notes))
    return changes
