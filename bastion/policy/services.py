"""Writes to the policy: creating it from the template, editing statements, and the annual
review (start, sign off). Each is atomic and leaves an audit event."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from bastion.controls.catalogue import ROWS
from bastion.core import audit
from bastion.core.models import Membership, School
from bastion.lib.dates import long_date
from bastion.lib.db import retry_conflicts
from bastion.policy import document, facts, template
from bastion.policy.models import Policy, PolicyVersion, Section, Statement

STATEMENT_FIELDS = ("section_id", "code", "text", "position", "applicable", "reason")
NOT_OWN = "This statement comes from the policy template: mark it not applicable instead."


def plus_years(day: dt.date, years: int = 1) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def plus_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


# The policy -----------------------------------------------------------------------------------


def policy_for(school: School, *, actor=None, request=None) -> Policy:
    """The school's policy, created from the default template the first time it is asked for."""
    policy = Policy.objects.filter(school=school).first()
    if policy is not None:
        policy.school = school
        return policy
    try:
        policy = policy_create(actor=actor, school=school, request=request)
    except IntegrityError:  # another request created it a moment ago
        policy = Policy.objects.get(school=school)
    policy.school = school
    return policy


@transaction.atomic
def policy_create(*, actor, school: School, request=None) -> Policy:
    """Create the school's policy from the default template (bastion/policy/template.py)."""
    policy = Policy.objects.create(school=school)
    statements = []
    for position, default in enumerate(template.SECTIONS):
        section = Section.objects.create(
            school=school,
            policy=policy,
            title=default.title,
            intro=default.intro,
            position=position,
        )
        statements += [
            Statement(
                school=school,
                policy=policy,
                section=section,
                code=item.code,
                template_key=item.key,
                text=item.text,
                position=index,
            )
            for index, item in enumerate(default.statements)
        ]
    Statement.objects.bulk_create(statements)
    audit.record(
        "policy.created",
        actor=actor,
        actor_label="" if actor else "Bastion",
        school=school,
        obj=policy,
        request=request,
        object_repr="E-Security Policy",
        changes={"statements": len(statements)},
    )
    return policy


# Statements -----------------------------------------------------------------------------------


def _clean(statement: Statement) -> None:
    statement.text = (statement.text or "").strip()
    statement.reason = (statement.reason or "").strip()
    if not statement.text:
        raise ValidationError({"text": "Enter the statement's wording."})
    try:
        facts.check(statement.text)
    except ValidationError as exc:
        raise ValidationError({"text": exc.messages}) from None
    if statement.code and statement.code not in ROWS:
        raise ValidationError({"code": "Choose a row of the policy."})
    if not statement.applicable and not statement.reason:
        raise ValidationError({"reason": "Say why the statement does not apply."})
    statement.full_clean(exclude=["policy", "section", "school"])


def _record(action, *, actor, school, statement, request, changes):
    audit.record(
        action,
        actor=actor,
        school=school,
        obj=statement,
        request=request,
        object_repr=str(statement),
        changes=changes,
    )


def _section(policy: Policy, section_id) -> Section:
    section = Section.objects.filter(policy=policy, pk=section_id).first()
    if section is None:
        raise ValidationError({"section": "Choose a section of this policy."})
    return section


@transaction.atomic
def statement_add(*, actor, school: School, policy: Policy, data: dict, request=None) -> Statement:
    """Add the school's own statement at the end of a section."""
    section = _section(policy, data.get("section"))
    last = Statement.objects.filter(section=section).aggregate(m=Max("position"))["m"]
    statement = Statement(
        school=school,
        policy=policy,
        section=section,
        code=data.get("code") or "",
        text=data.get("text") or "",
        position=0 if last is None else last + 1,
    )
    _clean(statement)
    statement.save()
    _record(
        "policy.statement_added",
        actor=actor,
        school=school,
        statement=statement,
        request=request,
        changes=audit.diff({}, audit.snapshot(statement, STATEMENT_FIELDS)),
    )
    return statement


@retry_conflicts
@transaction.atomic
def statement_update(
    *, actor, school: School, statement: Statement, data: dict, request=None
) -> Statement:
    """Change a statement's wording, or move it to another section. A template statement keeps
    its policy row; the school's own may change it."""
    statement = Statement.objects.select_for_update(no_key=True).get(pk=statement.pk, school=school)
    before = audit.snapshot(statement, STATEMENT_FIELDS)
    statement.text = data.get("text", statement.text)
    if "section" in data and str(data["section"]) != str(statement.section_id):
        statement.section = _section(statement.policy, data["section"])
        last = Statement.objects.filter(section=statement.section).aggregate(m=Max("position"))
        statement.position = (last["m"] or 0) + 1
    if statement.is_own and "code" in data:
        statement.code = data["code"] or ""
    _clean(statement)
    changes = audit.diff(before, audit.snapshot(statement, STATEMENT_FIELDS))
    if changes:
        statement.save()
        _record(
            "policy.statement_changed",
            actor=actor,
            school=school,
            statement=statement,
            request=request,
            changes=changes,
        )
    return statement


@retry_conflicts
@transaction.atomic
def statement_set_applicable(
    *, actor, school: School, statement: Statement, applicable: bool, reason: str = "", request=None
) -> Statement:
    """Mark a statement not applicable at this school (with the reason), or applicable again."""
    statement = Statement.objects.select_for_update(no_key=True).get(pk=statement.pk, school=school)
    before = audit.snapshot(statement, STATEMENT_FIELDS)
    statement.applicable = applicable
    statement.reason = "" if applicable else reason
    _clean(statement)
    changes = audit.diff(before, audit.snapshot(statement, STATEMENT_FIELDS))
    if changes:
        statement.save()
        _record(
            "policy.statement_applicability",
            actor=actor,
            school=school,
            statement=statement,
            request=request,
            changes=changes,
        )
    return statement


@retry_conflicts
@transaction.atomic
def statement_move(
    *, actor, school: School, statement: Statement, direction: str, request=None
) -> Statement:
    """Swap a statement with its neighbour above ("up") or below ("down") in its section."""
    if direction not in ("up", "down"):
        raise ValidationError("Move a statement up or down.")
    statement = Statement.objects.select_for_update(no_key=True).get(pk=statement.pk, school=school)
    siblings = list(
        Statement.objects.select_for_update(no_key=True)
        .filter(section_id=statement.section_id)
        .order_by("position", "id")
    )
    index = next(i for i, s in enumerate(siblings) if s.pk == statement.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return statement
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings):
        if sibling.position != position:
            Statement.objects.filter(pk=sibling.pk).update(position=position)
    _record(
        "policy.statement_moved",
        actor=actor,
        school=school,
        statement=statement,
        request=request,
        changes={"position": [index + 1, other + 1]},
    )
    statement.position = other
    return statement


@transaction.atomic
def statement_delete(*, actor, school: School, statement: Statement, request=None) -> None:
    """Remove a statement the school added. Template statements are marked not applicable."""
    if not statement.is_own:
        raise ValidationError(NOT_OWN)
    changes = audit.diff(audit.snapshot(statement, STATEMENT_FIELDS), {})
    _record(
        "policy.statement_removed",
        actor=actor,
        school=school,
        statement=statement,
        request=request,
        changes=changes,
    )
    Statement.objects.filter(pk=statement.pk, school=school).delete()


# The annual review ------------------------------------------------------------------------------


def open_review(policy: Policy) -> PolicyVersion | None:
    return (
        PolicyVersion.objects.filter(policy=policy, status=PolicyVersion.Status.DRAFT)
        .select_related("started_by")
        .first()
    )


@retry_conflicts
@transaction.atomic
def review_start(*, actor, school: School, policy: Policy, request=None) -> PolicyVersion:
    """Open the annual review: a draft version that the SIRO will sign off."""
    policy = Policy.objects.select_for_update(no_key=True).get(pk=policy.pk, school=school)
    if draft := open_review(policy):
        who = facts.person_name(draft.started_by) if draft.started_by else "someone"
        raise ValidationError(
            f"A review is already in progress, started by {who} on {long_date(draft.started_at)}."
        )
    number = (PolicyVersion.objects.filter(policy=policy).aggregate(m=Max("number"))["m"] or 0) + 1
    version = PolicyVersion.objects.create(
        school=school,
        policy=policy,
        number=number,
        started_by=actor,
        started_at=timezone.now(),
        reviewed_by=facts.person_name(actor),
    )
    Policy.objects.filter(pk=policy.pk).update(status=Policy.Status.UNDER_REVIEW)
    audit.record(
        "policy.review_started",
        actor=actor,
        school=school,
        obj=version,
        request=request,
        object_repr=f"E-Security Policy review, version {number}",
    )
    return version


def next_review_after(previous: dt.date | None, today: dt.date) -> dt.date:
    """A year on from the date the review was due; never today or earlier."""
    due = plus_years(previous or today)
    while due <= today:
        due = plus_years(due)
    return due


def _same_name(typed: str, name: str) -> bool:
    return " ".join(typed.split()).casefold() == " ".join(name.split()).casefold()


@retry_conflicts
@transaction.atomic
def review_sign_off(
    *, actor, school: School, policy: Policy, confirm_name: str, request=None
) -> PolicyVersion:
    """The SIRO signs off the review: the policy as it reads now is frozen into the version,
    the review date becomes today and the next review moves on a year."""
    policy = Policy.objects.select_for_update(no_key=True).get(pk=policy.pk, school=school)
    draft = open_review(policy)
    if draft is None:
        raise ValidationError("No review is in progress: start one first.")
    is_siro = Membership.objects.active().filter(school=school, user=actor, is_siro=True)
    if not is_siro.exists():
        raise ValidationError("Only the school's SIRO can sign off the policy review.")
    name = facts.person_name(actor)
    if not _same_name(confirm_name or "", name):
        raise ValidationError({"confirm_name": f"Type your name, {name}, to sign off."})
    school = School.objects.select_for_update(no_key=True).get(pk=school.pk)
    today = timezone.localdate()
    before = audit.snapshot(school, ("policy_review_date", "next_review_date", "reviewed_by"))
    school.policy_review_date = today
    school.next_review_date = next_review_after(school.next_review_date, today)
    school.reviewed_by = draft.reviewed_by or name
    school.save(update_fields=["policy_review_date", "next_review_date", "reviewed_by"])
    policy.school = school
    frozen = document.build(policy)
    draft.status = PolicyVersion.Status.SIGNED_OFF
    draft.signed_off_by = actor
    draft.signed_off_name = name
    draft.signed_off_at = timezone.now()
    draft.review_date = school.policy_review_date
    draft.next_review_date = school.next_review_date
    draft.reviewed_by = school.reviewed_by
    draft.snapshot = document.to_snapshot(frozen)
    draft.save()
    Policy.objects.filter(pk=policy.pk).update(status=Policy.Status.IN_FORCE)
    after = audit.snapshot(school, ("policy_review_date", "next_review_date", "reviewed_by"))
    audit.record(
        "policy.signed_off",
        actor=actor,
        school=school,
        obj=draft,
        request=request,
        object_repr=f"E-Security Policy, version {draft.number}",
        changes=audit.diff(before, after),
    )
    return draft


def record_download(*, actor, school: School, fmt: str, version=None, request=None) -> None:
    audit.record(
        "policy.downloaded",
        actor=actor,
        school=school,
        obj=version,
        request=request,
        object_repr=f"E-Security Policy, version {version.number}"
        if version
        else "E-Security Policy (current)",
        changes={"format": fmt},
    )
