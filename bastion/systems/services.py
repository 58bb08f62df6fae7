"""Writes to the systems register and its accounts: add, edit, archive a system; give a person
an account on a system, or take it away. Every write is audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from bastion.core import audit
from bastion.people.models import Person
from bastion.systems.models import Account, Kind, RecipientKind, System

SYSTEM_FIELDS = (
    "name",
    "kind",
    "description",
    "owner",
    "holds_personal_data",
    "personal_accounts",
    "mfa_enforced",
    "password_rules",
    "provisioning",
    "password_change_months",
    "approved_for",
)
# The policy names the MIS and the login service's admin site for changes twice a year (P11).
SECURE_KINDS = (Kind.MIS, Kind.LOGIN_ADMIN)
PERSONAL = Q(holds_personal_data=True)
# What the register flags on a system, by the policy row it breaks (the list filter's keys).
PROBLEMS = {
    "shared": PERSONAL & Q(personal_accounts=False),
    "rules": PERSONAL & Q(password_rules=""),
    "period": Q(kind__in=SECURE_KINDS)
    & (Q(password_change_months__isnull=True) | Q(password_change_months__gt=6)),
    "process": Q(owner__isnull=True) | Q(provisioning=""),
}
# Audited by id: the owner's name is in the directory, its id is what stays true.
AUDIT_FIELDS = tuple(f if f != "owner" else "owner_id" for f in SYSTEM_FIELDS)


def system_warnings(system: System) -> list[str]:
    """What a system lacks, in the policy's words (the detail page shows each)."""
    warnings = []
    if system.holds_personal_data and not system.personal_accounts:
        warnings.append(
            "It holds personal data but users share logins: every member of staff needs a "
            "personal account (P9)."
        )
    if system.holds_personal_data and not system.password_rules.strip():
        warnings.append("It holds personal data and no password rules are recorded (P10).")
    months = system.password_change_months
    if system.kind in SECURE_KINDS and (months is None or months > 6):
        warnings.append("Passwords for it must be changed at least twice a year (P11).")
    if system.owner_id is None or not system.provisioning.strip():
        warnings.append("It needs an owner and an approved provisioning process (P13).")
    if system.kind == Kind.REMOTE_ACCESS and not system.mfa_enforced:
        warnings.append("Remote access must enforce two-factor authentication (T4).")
    return warnings


def _only(data: dict, fields) -> dict:
    return {k: v for k, v in data.items() if k in fields}


def _check_system(system: System) -> None:
    errors = {}
    system.name = (system.name or "").strip()
    same = System.objects.filter(school=system.school, name__iexact=system.name)
    if system.name and same.exclude(pk=system.pk).exists():
        errors["name"] = f"There is already a system called “{system.name}”."
    unknown = [k for k in system.approved_for or [] if k not in RecipientKind.values]
    if unknown:
        errors["approved_for"] = "Choose kinds of recipient from the list."
    if system.owner_id and system.owner.school_id != system.school_id:
        errors["owner"] = "Choose the owner from this school's people."
    if errors:
        raise ValidationError(errors)
    # Keep the approvals in the list's order, each once, whatever order they came in.
    system.approved_for = [k for k in RecipientKind.values if k in (system.approved_for or [])]
    system.full_clean(validate_constraints=False)


def _save(obj) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise ValidationError("Someone saved the same name a moment ago: try again.") from None


@transaction.atomic
def system_create(*, actor, school, data: dict, request=None) -> System:
    """Add a system to the register."""
    system = System(school=school, **_only(data, SYSTEM_FIELDS))
    _check_system(system)
    _save(system)
    audit.record(
        "system.created",
        actor=actor,
        school=school,
        obj=system,
        request=request,
        changes=audit.diff({}, audit.snapshot(system, AUDIT_FIELDS)),
    )
    return system


@transaction.atomic
def system_update(*, actor, school, system: System, data: dict, request=None) -> System:
    """Change a system's details; nothing is written (or audited) when nothing changed."""
    before = audit.snapshot(system, AUDIT_FIELDS)
    for name, value in _only(data, SYSTEM_FIELDS).items():
        setattr(system, name, value)
    _check_system(system)
    changes = audit.diff(before, audit.snapshot(system, AUDIT_FIELDS))
    if changes:
        _save(system)
        audit.record(
            "system.updated",
            actor=actor,
            school=school,
            obj=system,
            request=request,
            changes=changes,
        )
    return system


@transaction.atomic
def system_archive(*, actor, school, system: System, archived: bool, request=None) -> System:
    """Archive a system no longer used (its accounts and history stay), or bring it back."""
    if system.archived == archived:
        return system
    System.objects.filter(pk=system.pk).update(archived=archived)
    system.archived = archived
    audit.record(
        "system.archived" if archived else "system.restored",
        actor=actor,
        school=school,
        obj=system,
        request=request,
        changes={"archived": [not archived, archived]},
    )
    return system


def staff_people(school):
    """The people who may hold an account on a school system: current adults of the school."""
    adults = ["staff", "governor", "contractor", "volunteer"]
    return Person.objects.filter(school=school, kind__in=adults).current()


@transaction.atomic
def accounts_add(
    *, actor, school, system: System, people, since=None, request=None
) -> list[Account]:
    """Give each of `people` an account on `system`; those who hold one already are skipped."""
    if system.archived:
        raise ValidationError("The system is archived: restore it before adding accounts.")
    people = list(people)
    if any(p.school_id != school.pk for p in people):
        raise ValidationError("Choose people of this school.")
    held = set(
        Account.objects.filter(system=system, person__in=people).values_list("person", flat=True)
    )
    new = [
        Account(school=school, system=system, person=p, since=since, added_by=actor)
        for p in people
        if p.pk not in held
    ]
    try:
        with transaction.atomic():
            Account.objects.bulk_create(new)
    except IntegrityError:
        raise ValidationError("Someone added the same accounts a moment ago: try again.") from None
    if new:
        audit.record(
            "system.accounts_added",
            actor=actor,
            school=school,
            obj=system,
            request=request,
            changes={
                "people": ", ".join(p.full_name for p in people if p.pk not in held),
                "since": since.isoformat() if since else "",
            },
        )
    return new


@transaction.atomic
def account_remove(*, actor, school, account: Account, request=None) -> None:
    """Take an account away (the person left the system); their attested changes stay."""
    audit.record(
        "system.account_removed",
        actor=actor,
        school=school,
        obj=account.system,
        request=request,
        changes={"person": account.person.full_name, "person_id": account.person_id},
    )
    account.delete()
