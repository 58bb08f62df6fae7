"""Computed evidence from the systems register, its accounts and the transfers log (P8-P11, P13,
T4, T5, T8, T9). Each evaluator answers for every school it is given with one or two queries,
whatever the number of schools, systems or accounts."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q
from django.urls import reverse

from bastion.controls.registry import (
    ATTENTION,
    MET,
    OVERDUE,
    Action,
    Evidence,
    computed,
    shared,
)
from bastion.lib.text import plural
from bastion.systems.models import Kind, RecipientKind, System, Transfer
from bastion.systems.passwords import rotated_accounts
from bastion.systems.services import PERSONAL, PROBLEMS

YEAR = dt.timedelta(days=365)


def _url(name: str, school, query: str = "") -> str:
    return reverse(name, kwargs={"school": school.slug}) + (f"?{query}" if query else "")


# Every count the system rules need (P9, P10, P11, P13), read once per evaluation.
FLAGS = {"personal": PERSONAL, **PROBLEMS}


@shared
def _system_counts(schools) -> dict[int, dict[str, int]]:
    """{school id: {"all": n, flag: n, ...}} over current systems, for every flag in FLAGS,
    in one query."""
    flags = FLAGS
    rows = (
        System.objects.filter(school__in=schools, archived=False)
        .values("school")
        .annotate(all=Count("pk"), **{k: Count("pk", filter=q) for k, q in flags.items()})
        .order_by()
    )
    counts = {s.pk: dict.fromkeys(["all", *flags], 0) for s in schools}
    for row in rows:
        counts[row.pop("school")] = row
    return counts


def _no_systems(school) -> Evidence:
    return Evidence(
        ATTENTION,
        "No systems are recorded in the systems register yet.",
        (Action("Record the school's systems", _url("system-add", school)),),
    )


@computed("P8", "Transfers through approved channels")
def transfer_channels(schools, today):
    since = today - YEAR
    rows = (
        Transfer.objects.filter(school__in=schools, sent_on__gt=since, sent_on__lte=today)
        .values("school")
        .annotate(all=Count("pk"), flagged=Count("pk", filter=Q(flagged=True)))
        .order_by()
    )
    counts = {row["school"]: row for row in rows}
    result = {}
    for school in schools:
        row = counts.get(school.pk, {"all": 0, "flagged": 0})
        total, flagged = row["all"], row["flagged"]
        if flagged:
            result[school.pk] = Evidence(
                ATTENTION,
                f"{plural(flagged, 'transfer', 'transfers')} of {total} in the last year went "
                "through a channel not approved for the recipient.",
                (
                    Action(
                        "Review the transfers on unapproved channels",
                        _url("transfer-list", school, "flagged=1"),
                        flagged,
                    ),
                ),
                value=(total - flagged) / total,
                facts={"transfers": total, "flagged": flagged},
            )
        else:
            summary = (
                f"All {plural(total, 'transfer', 'transfers')} in the last year went through "
                "approved channels."
                if total
                else "No transfers of personal data are logged in the last year."
            )
            result[school.pk] = Evidence(
                MET, summary, value=1.0 if total else None, facts={"transfers": total}
            )
    return result


def _systems_rule(schools, problem: str, code_text: str, action_text: str):
    """Evidence for a rule every current system with personal data must meet."""
    counts = _system_counts(schools)
    result = {}
    for school in schools:
        c = counts[school.pk] | {"bad": counts[school.pk][problem]}
        if not c["all"]:
            result[school.pk] = _no_systems(school)
        elif c["bad"]:
            result[school.pk] = Evidence(
                ATTENTION,
                f"{plural(c['bad'], 'system', 'systems')} with personal data {code_text}.",
                (Action(action_text, _url("system-list", school, f"problem={problem}"), c["bad"]),),
                value=(c["personal"] - c["bad"]) / c["personal"],
                facts={"systems": c["personal"], "failing": c["bad"]},
            )
        else:
            result[school.pk] = Evidence(
                MET,
                f"All {plural(c['personal'], 'system', 'systems')} with personal data meet it.",
                value=1.0 if c["personal"] else None,
                facts={"systems": c["personal"]},
            )
    return result


@computed("P9", "Personal accounts on every system")
def personal_accounts(schools, today):
    return _systems_rule(
        schools,
        "shared",
        "use shared logins rather than personal accounts",
        "Give everyone a personal account on these systems",
    )


@computed("P10", "Password rules recorded")
def password_rules(schools, today):
    return _systems_rule(
        schools,
        "rules",
        "have no password rules recorded",
        "Record the password rules of these systems",
    )


@computed("P13", "Owner and provisioning process recorded")
def owners_and_provisioning(schools, today):
    counts = _system_counts(schools)
    result = {}
    for school in schools:
        c = counts[school.pk] | {"bad": counts[school.pk]["process"]}
        if not c["all"]:
            result[school.pk] = _no_systems(school)
        elif c["bad"]:
            result[school.pk] = Evidence(
                ATTENTION,
                f"{plural(c['bad'], 'system has', 'systems have')} no owner or no "
                "provisioning process recorded.",
                (
                    Action(
                        "Name an owner and the approved process for creating accounts",
                        _url("system-list", school, "problem=process"),
                        c["bad"],
                    ),
                ),
                value=(c["all"] - c["bad"]) / c["all"],
            )
        else:
            result[school.pk] = Evidence(
                MET,
                f"All {plural(c['all'], 'system has', 'systems have')} an owner and a "
                "provisioning process.",
                value=1.0,
            )
    return result


@computed("P11", "Password changes in date")
def password_changes(schools, today):
    """The share of accounts on systems with a change period whose last attested change is in
    date; and the MIS and login admin site must have a period of at most six months."""
    rows = (
        rotated_accounts(today)
        .filter(school__in=schools)
        .values("school")
        .annotate(all=Count("pk"), ok=Count("pk", filter=Q(in_date=True)))
        .order_by()
    )
    counts = {row["school"]: row for row in rows}
    loose = _system_counts(schools)
    result = {}
    for school in schools:
        row = counts.get(school.pk, {"all": 0, "ok": 0})
        total, ok = row["all"], row["ok"]
        lapsed = total - ok
        actions = []
        if lapsed:
            actions.append(
                Action(
                    "Chase the password changes that lapsed",
                    _url("password-compliance", school, "status=lapsed"),
                    lapsed,
                )
            )
        if n := loose[school.pk]["period"]:
            actions.append(
                Action(
                    "Set a change period of six months or less on the MIS and the login admin site",
                    _url("system-list", school, "problem=period"),
                    n,
                )
            )
        share = ok / total if total else None
        if not total:
            summary = "No accounts are recorded on systems that ask for periodic changes."
            actions.append(
                Action(
                    "Record who holds an account on the MIS and the other secure systems",
                    _url("system-list", school),
                )
            )
        else:
            summary = (
                f"{ok} of {plural(total, 'account', 'accounts')} have a password change in "
                f"date ({round(100 * share)}%)."
            )
        status = OVERDUE if lapsed else ATTENTION if actions or not total else MET
        result[school.pk] = Evidence(
            status,
            summary,
            tuple(actions),
            value=share,
            facts={"accounts": total, "in_date": ok, "lapsed": lapsed},
        )
    return result


@shared
def _services(schools) -> dict[tuple[int, str], list[dict]]:
    """The current remote access, secure transfer and cloud storage systems of each school, as
    small dicts by (school id, kind), in one query (T4, T5, T8, T9)."""
    found = defaultdict(list)
    kinds = [Kind.REMOTE_ACCESS, Kind.SECURE_TRANSFER, Kind.CLOUD_STORAGE]
    rows = System.objects.filter(school__in=schools, archived=False, kind__in=kinds).values(
        "school", "kind", "name", "mfa_enforced", "approved_for"
    )
    for row in rows.order_by("name", "pk"):
        found[row["school"], row["kind"]].append(row)
    return found


def _by_school(schools, kind: str) -> dict[int, list[dict]]:
    """The current systems of `kind` of each school."""
    found = _services(schools)
    return {s.pk: found.get((s.pk, kind), []) for s in schools}


@computed("T4", "Remote access with two-factor authentication")
def remote_access(schools, today):
    found = _by_school(schools, kind=Kind.REMOTE_ACCESS)
    result = {}
    for school in schools:
        systems = found[school.pk]
        without = [s["name"] for s in systems if not s["mfa_enforced"]]
        if not systems:
            result[school.pk] = Evidence(
                ATTENTION,
                "No remote access system (VPN) is recorded.",
                (Action("Record the remote access system", _url("system-add", school)),),
            )
        elif without:
            result[school.pk] = Evidence(
                ATTENTION,
                f"Remote access without two-factor authentication enforced: {', '.join(without)}.",
                (
                    Action(
                        "Enforce two-factor authentication on remote access",
                        _url("system-list", school, "kind=remote_access"),
                        len(without),
                    ),
                ),
            )
        else:
            names = ", ".join(s["name"] for s in systems)
            result[school.pk] = Evidence(
                MET, f"Remote access through {names}, with two-factor authentication."
            )
    return result


def _approved_channel(schools, kind: str, missing: str, what: str):
    found = _by_school(schools, kind=Kind.SECURE_TRANSFER)
    result = {}
    for school in schools:
        names = [s["name"] for s in found[school.pk] if kind in (s["approved_for"] or [])]
        if names:
            result[school.pk] = Evidence(MET, f"{what} through {', '.join(names)}.")
        else:
            result[school.pk] = Evidence(
                ATTENTION,
                missing,
                (
                    Action(
                        f"Record the secure transfer service approved for "
                        f"{RecipientKind(kind).label.lower()}",
                        _url("system-list", school, "kind=secure_transfer"),
                    ),
                ),
            )
    return result


@computed("T5", "A secure transfer service approved for the DfE")
def dfe_transfer(schools, today):
    return _approved_channel(
        schools,
        RecipientKind.DFE,
        "No secure transfer system (such as the DfE's S2S) is approved for the DfE.",
        "Pupil files go to the DfE",
    )


@computed("T8", "A secure transfer service approved for other schools")
def school_transfer(schools, today):
    return _approved_channel(
        schools,
        RecipientKind.SCHOOL,
        "No secure transfer system (such as USO-FX2 or S2S) is approved for other schools.",
        "Documents go to other schools",
    )


@computed("T9", "Online document storage recorded")
def document_storage(schools, today):
    found = _by_school(schools, kind=Kind.CLOUD_STORAGE)
    result = {}
    for school in schools:
        names = [s["name"] for s in found[school.pk]]
        if names:
            result[school.pk] = Evidence(MET, f"Online document storage: {', '.join(names)}.")
        else:
            result[school.pk] = Evidence(
                ATTENTION,
                "No online document storage system is recorded.",
                (Action("Record the online document storage", _url("system-add", school)),),
            )
    return result
