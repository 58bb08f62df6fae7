"""Live facts in the policy's text: `{{ school_name }}` and a fixed set of other keys.

School-written text is never run through a template engine or `str.format`: a regular
expression swaps each known key for its value, in one pass (a value is never read again), and
anything else in braces stays as typed. Saving text with an unknown key is refused with the list
of the known ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q

from bastion.core.models import Membership, School
from bastion.lib.dates import long_date

# key: what it says (shown to the people who edit the policy).
KEYS: dict[str, str] = {
    "school_name": "the school's name",
    "siro_name": "the SIRO's name",
    "dpo_name": "the DPO's name",
    "idle_lock_minutes": "minutes before an idle Bastion session locks (school settings)",
    "password_change_period": 'how often passwords change, e.g. "at least twice a year"',
    "password_change_months": "the shortest password change period, in months",
    "review_date": "the date of the last review",
    "next_review_date": "the date of the next review",
    "reviewed_by": "who reviewed the policy",
    "mis": "the MIS in the systems register",
    "login_admin": "the login service's admin site (systems register)",
    "admissions": "the admissions system (systems register)",
    "remote_access": "the remote access / VPN service (systems register)",
    "secure_transfer": "every secure transfer service (systems register)",
    "dfe_transfer": "the secure transfer service approved for the DfE",
    "school_transfer": "the secure transfer service approved for other schools",
    "document_storage": "the online document storage (systems register)",
    "offsite_backup": "the off-site backup service (systems register)",
    "account_provisioning": "the service that creates accounts from the MIS (systems register)",
    "otp_tokens": "the one-time-password tokens in the equipment register",
    "disposal_contractors": "the approved disposal contractors (equipment register)",
}

# What a fact says when the registers do not hold it yet: true words, never a blank.
GENERIC = {
    "siro_name": "to be named",
    "dpo_name": "to be named",
    "review_date": "not yet recorded",
    "next_review_date": "not yet set",
    "reviewed_by": "not yet recorded",
    "mis": "the school's management information system",
    "login_admin": "the admin site of our login service",
    "admissions": "the local authority's admissions system",
    "remote_access": "a secure remote access service (VPN)",
    "secure_transfer": "an approved secure transfer service",
    "dfe_transfer": "the DfE's secure transfer site (S2S)",
    "school_transfer": "an approved secure document transfer service",
    "document_storage": "an approved online storage service",
    "offsite_backup": "an approved off-site backup service",
    "account_provisioning": "an approved service that creates accounts from the MIS",
    "otp_tokens": "issued to them by name",
    "disposal_contractors": "an approved disposal company",
}

# {{ anything }}: what the editor meant as a fact, checked on save.
_BRACES = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_KNOWN = re.compile(r"\{\{\s*(" + "|".join(map(re.escape, KEYS)) + r")\s*\}\}")
# The systems register has no kind for account provisioning: a system that says it creates
# or provisions accounts is one.
_PROVISIONS = re.compile(r"provision|creat\w*\s+(?:\w+\s+){0,3}accounts|account creation", re.I)
# Characters that would turn a fact into Markdown formatting or HTML.
_MARKDOWN = re.compile(r"([\\`*_\[\]])")


def check(text: str) -> None:
    """Refuse text that names a fact Bastion does not know (a typo, or `{{ request }}`)."""
    unknown = []
    for match in _BRACES.finditer(text or ""):
        key = match.group(1).strip()
        if key not in KEYS and match.group(0) not in unknown:
            unknown.append(match.group(0))
    if unknown:
        raise ValidationError(
            f"Unknown live fact{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
            "The facts you can use are: " + ", ".join(f"{{{{ {k} }}}}" for k in KEYS) + "."
        )


def fill(text: str, facts: dict[str, str]) -> str:
    """`text` with every known fact filled in; anything else in braces is left as it was."""
    return _KNOWN.sub(lambda m: _escape(facts.get(m.group(1), "")), text or "")


def _escape(value: str) -> str:
    return _MARKDOWN.sub(r"\\\1", str(value)).replace("<", "&lt;")


def listed(names: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    names = list(dict.fromkeys(n for n in names if n))
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def person_name(user) -> str:
    return user.get_full_name() or user.email


@dataclass
class Officers:
    siro: str
    dpo: str


def officers(school: School) -> Officers:
    """The names of the school's SIRO and DPO (one query)."""
    holders = (
        Membership.objects.active()
        .filter(school=school)
        .filter(Q(is_siro=True) | Q(is_dpo=True))
        .select_related("user")
        .order_by()
    )
    siro = dpo = ""
    for membership in holders:
        if membership.is_siro:
            siro = person_name(membership.user)
        if membership.is_dpo:
            dpo = person_name(membership.user)
    return Officers(siro, dpo)


def _password_period(months: list[int]) -> tuple[str, str]:
    if not months:
        return "at least twice a year", "6"
    shortest = min(months)
    if shortest == 6:
        return "at least twice a year (every 6 months)", "6"
    if shortest == 1:
        return "every month", "1"
    return f"at least every {shortest} months", str(shortest)


def _systems(school: School) -> dict[str, str]:
    from bastion.systems.models import Kind, RecipientKind, System

    rows = list(
        System.objects.filter(school=school, archived=False)
        .order_by("name", "id")
        .values_list(
            "name", "kind", "description", "holds_personal_data", "password_change_months",
            "approved_for",
        )
    )  # fmt: skip
    by_kind: dict[str, list[str]] = {}
    for name, kind, *_ in rows:
        by_kind.setdefault(kind, []).append(name)
    transfer = [r for r in rows if r[1] == Kind.SECURE_TRANSFER]
    found = {
        "mis": by_kind.get(Kind.MIS, []),
        "login_admin": by_kind.get(Kind.LOGIN_ADMIN, []),
        "admissions": by_kind.get(Kind.ADMISSIONS, []),
        "remote_access": by_kind.get(Kind.REMOTE_ACCESS, []),
        "secure_transfer": by_kind.get(Kind.SECURE_TRANSFER, []),
        "dfe_transfer": [r[0] for r in transfer if RecipientKind.DFE in (r[5] or [])],
        "school_transfer": [r[0] for r in transfer if RecipientKind.SCHOOL in (r[5] or [])],
        "document_storage": by_kind.get(Kind.CLOUD_STORAGE, []),
        "offsite_backup": by_kind.get(Kind.OFFSITE_BACKUP, []),
        "account_provisioning": [r[0] for r in rows if _PROVISIONS.search(f"{r[0]} {r[2]}")],
    }
    facts = {key: listed(names) for key, names in found.items() if names}
    months = [r[4] for r in rows if r[3] and r[4]]
    # The policy promises what the strictest system holding personal data asks.
    facts["password_change_period"], facts["password_change_months"] = _password_period(months)
    return facts


def _equipment(school: School) -> dict[str, str]:
    from bastion.equipment.models import Contractor, Device

    contractors = list(
        Contractor.objects.filter(school=school, approved=True)
        .order_by("name")
        .values_list("name", flat=True)
    )
    tokens = (
        Device.objects.filter(school=school, kind=Device.Kind.OTP_TOKEN)
        .exclude(status__in=["disposed", "lost", "stolen"])
        .values_list("make", "model")
        .distinct()
        .order_by("make", "model")
    )
    facts = {}
    if contractors:
        kind = (
            "approved disposal companies"
            if len(set(contractors)) > 1
            else ("an approved disposal company")
        )
        facts["disposal_contractors"] = f"{kind} ({listed(contractors)})"
    token_names = [" ".join(p for p in pair if p) for pair in tokens]
    if any(token_names):
        facts["otp_tokens"] = listed(token_names)
    return facts


def gather(school: School, officers_: Officers | None = None) -> dict[str, str]:
    """Every fact for `school`, from the registers (four queries, whatever the data)."""
    officers_ = officers_ or officers(school)
    facts = {
        "school_name": school.name,
        "siro_name": officers_.siro,
        "dpo_name": officers_.dpo,
        "idle_lock_minutes": str(school.idle_lock_minutes),
        "review_date": long_date(school.policy_review_date),
        "next_review_date": long_date(school.next_review_date),
        "reviewed_by": school.reviewed_by,
        **_systems(school),
        **_equipment(school),
    }
    for key, generic in GENERIC.items():
        if not facts.get(key):
            facts[key] = generic
    return facts
