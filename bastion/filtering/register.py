"""The filtering and monitoring register (P7): who is responsible, providers, decisions,
checks and the yearly review; reminders before they fall due.

A review counts as a check too. The review is due a year after the last one (at once when
there has never been one); a check is due the school's period after the last check or review.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from bastion.core import audit, files
from bastion.core.models import Membership
from bastion.filtering.models import Check, Decision, FilteringSetup, Provider
from bastion.lib.dates import long_date
from bastion.lib.db import retry_conflicts
from bastion.notify.mytasks import Task, provider
from bastion.notify.schedule import job
from bastion.notify.services import mail_queue
from bastion.people.models import Kind, Person

YEAR_DAYS = 365
REVIEW_WARNING = 30  # days before the review is due: the reminder, the task
CHECK_WARNING = 14  # the same for a check
SETUP_FIELDS = ("senior_leader", "governor", "monitoring", "monitors_email")
SETUP_FIELDS += ("monitors_platforms", "check_every_days")
PROVIDER_FIELDS = ("name", "product", "filters", "monitors", *Provider.COVERAGE, "notes", "active")
DECISION_FIELDS = ("decided_on", "action", "what", "reason", "requested_by")
CHECK_FIELDS = ("kind", "checked_on", "results", "problems_found", "actions")


def setup_for(school) -> FilteringSetup:
    """The school's setup, or an unsaved one with the defaults."""
    found = FilteringSetup.objects.filter(school=school).select_related("senior_leader", "governor")
    return found.first() or FilteringSetup(school=school)


@dataclass(frozen=True)
class Due:
    last_review: dt.date | None
    last_check: dt.date | None  # the last check or review
    every: int
    today: dt.date

    @property
    def review_due(self) -> dt.date:
        return self.last_review + dt.timedelta(days=YEAR_DAYS) if self.last_review else self.today

    @property
    def check_due(self) -> dt.date:
        return self.last_check + dt.timedelta(days=self.every) if self.last_check else self.today

    @property
    def review_overdue(self) -> bool:
        return self.last_review is None or self.review_due < self.today

    @property
    def check_overdue(self) -> bool:
        return self.last_check is None or self.check_due < self.today


def due(school, every: int, today: dt.date | None = None) -> Due:
    """When the next check and review are due; one query."""
    found = Check.objects.filter(school=school).aggregate(
        review=Max("checked_on", filter=Q(kind=Check.Kind.REVIEW)), any=Max("checked_on")
    )
    return Due(found["review"], found["any"], every, today or timezone.localdate())


def _may_record(user, school) -> bool:
    from bastion.core.permissions import can

    return can(user, school, "filtering.edit") or is_named_leader(user, school)


def is_named_leader(user, school) -> bool:
    """Is `user` the named senior leader? They may see the register and record checks."""
    return FilteringSetup.objects.filter(school=school, senior_leader__user=user).exists()


# Writes ------------------------------------------------------------------------------------------


def _person_problems(school, data: dict) -> dict:
    problems = {}
    leader, governor = data.get("senior_leader"), data.get("governor")
    if leader is not None and not (
        leader.school_id == school.pk and leader.kind == Kind.STAFF and leader.is_current
    ):
        problems["senior_leader"] = "Choose a current member of staff of this school."
    if governor is not None and not (
        governor.school_id == school.pk and governor.kind == Kind.GOVERNOR and governor.is_current
    ):
        problems["governor"] = "Choose a current governor of this school."
    return problems


@retry_conflicts
def setup_save(*, actor, school, data: dict, request=None) -> FilteringSetup:
    """Name the responsible senior leader and governor, and describe the monitoring."""
    if problems := _person_problems(school, data):
        raise ValidationError(problems)
    with transaction.atomic():
        setup, _ = FilteringSetup.objects.select_for_update(no_key=True).get_or_create(
            school=school
        )
        before = audit.snapshot(setup, SETUP_FIELDS)
        for name in SETUP_FIELDS:
            if name in data:
                setattr(setup, name, data[name])
        setup.full_clean(exclude=["school"])
        changes = audit.diff(before, audit.snapshot(setup, SETUP_FIELDS))
        if changes:
            setup.save()
            audit.record(
                "filtering.setup_changed",
                actor=actor,
                school=school,
                obj=setup,
                object_repr=f"Filtering and monitoring of {school.name}",
                request=request,
                changes=changes,
            )
    return setup


@retry_conflicts
def provider_save(*, actor, school, data: dict, provider: Provider | None = None, request=None):
    """Add a provider (provider=None) or change one."""
    created = provider is None
    with transaction.atomic():
        if created:
            provider = Provider(school=school)
            before = {}
        else:
            provider = Provider.objects.select_for_update(no_key=True).get(
                pk=provider.pk, school=school
            )
            before = audit.snapshot(provider, PROVIDER_FIELDS)
        for name in PROVIDER_FIELDS:
            if name in data:
                setattr(provider, name, data[name])
        provider.full_clean(exclude=["school"], validate_unique=False)
        changes = audit.diff(before, audit.snapshot(provider, PROVIDER_FIELDS))
        if not changes:
            return provider
        try:
            with transaction.atomic():
                provider.save()
        except IntegrityError:
            raise ValidationError(
                {"name": "This school already has a provider by that name."}
            ) from None
        audit.record(
            "filtering.provider_added" if created else "filtering.provider_changed",
            actor=actor,
            school=school,
            obj=provider,
            request=request,
            changes=changes,
        )
    return provider


def decision_record(*, actor, school, data: dict, request=None) -> Decision:
    """Record that a site or category was blocked or allowed, and why."""
    decision = Decision(
        school=school, recorded_by=actor, **{k: data[k] for k in DECISION_FIELDS if k in data}
    )
    if decision.decided_on and decision.decided_on > timezone.localdate():
        raise ValidationError({"decided_on": "The date cannot be in the future."})
    decision.full_clean(exclude=["school", "recorded_by"])
    with transaction.atomic():
        decision.save()
        audit.record(
            "filtering.decision_recorded",
            actor=actor,
            school=school,
            obj=decision,
            request=request,
            changes=audit.diff({}, audit.snapshot(decision, DECISION_FIELDS)),
        )
    return decision


def check_record(*, actor, school, data: dict, upload=None, request=None) -> Check:
    """Record a check (or the yearly review) with its results, and an optional evidence file
    (kept encrypted). Refused with the file's problem when it cannot be kept."""
    check = Check(
        school=school, checked_by=actor, **{k: data[k] for k in CHECK_FIELDS if k in data}
    )
    if check.checked_on and check.checked_on > timezone.localdate():
        raise ValidationError({"checked_on": "The date cannot be in the future."})
    check.full_clean(exclude=["school", "checked_by", "evidence"])
    with transaction.atomic():
        if upload is not None:
            try:
                check.evidence = files.store(
                    school=school, actor=actor, upload=upload, request=request
                )
            except ValidationError as exc:
                raise ValidationError({"evidence": exc.messages}) from None
        check.save()
        changes = audit.diff({}, audit.snapshot(check, CHECK_FIELDS))
        if check.evidence_id:
            changes["evidence"] = [None, check.evidence.name]
        audit.record(
            f"filtering.{check.kind}_recorded",
            actor=actor,
            school=school,
            obj=check,
            request=request,
            changes=changes,
        )
    return check


# Reminders and My tasks --------------------------------------------------------------------------


def _with_dates(setups):
    """Setups with `last_review` and `last_check` (any kind) of their school."""
    checks = Check.objects.filter(school=OuterRef("school")).order_by("-checked_on")
    reviews = checks.filter(kind=Check.Kind.REVIEW)
    return setups.annotate(
        last_review=Subquery(reviews.values("checked_on")[:1]),
        last_check=Subquery(checks.values("checked_on")[:1]),
    )


def _stage(due_on: dt.date, today: dt.date, warning: int) -> str | None:
    """Which reminder is due: 'soon' once within the warning, then one a week once due."""
    if due_on > today + dt.timedelta(days=warning):
        return None
    if due_on > today:
        return "soon"
    return f"w{(today - due_on).days // 7}"


@job("filtering-reminders", every=dt.timedelta(hours=6))
def filtering_reminders() -> str:
    """Remind the named senior leader (the SIRO where none is named) before the yearly review
    and each check fall due, and weekly once they are overdue."""
    today = timezone.localdate()
    setups = list(
        _with_dates(FilteringSetup.objects.all()).select_related("school", "senior_leader__user")
    )
    siros = {}
    for m in (
        Membership.objects.active()
        .filter(is_siro=True, school_id__in=[s.school_id for s in setups])
        .select_related("user")
        .order_by("pk")
    ):
        siros.setdefault(m.school_id, m.user)
    queued = 0
    for setup in setups:
        school = setup.school
        when = Due(setup.last_review, setup.last_check, setup.check_every_days, today)
        leader = setup.senior_leader
        if leader is not None and leader.user is not None:
            to, name = leader.user.email, leader.first_name
        elif leader is not None and leader.email:
            to, name = leader.email, leader.first_name
        elif school.pk in siros:
            to, name = siros[school.pk].email, siros[school.pk].first_name
        else:
            continue
        link = f"{settings.SITE_URL}{reverse('filtering-overview', kwargs={'school': school.slug})}"
        review = _stage(when.review_due, today, REVIEW_WARNING)
        check = _stage(when.check_due, today, CHECK_WARNING)
        if review:
            what, due_on, stage, key = "yearly review", when.review_due, review, "review"
        elif check:
            what, due_on, stage, key = "check", when.check_due, check, "check"
        else:
            continue
        late = due_on <= today
        message = mail_queue(
            to=to,
            subject=f"Web filtering and monitoring {what} "
            + ("due" if late else f"due by {long_date(due_on)}")
            + f" at {school.name}",
            body=(
                f"Hello {name or to},\n\n"
                f"The {what} of web filtering and monitoring at {school.name} "
                + (
                    f"is due (since {long_date(due_on)})."
                    if late
                    else f"is due by {long_date(due_on)}."
                )
                + "\n\nCheck that filtering blocks harmful content on every network and device, "
                "that monitoring alerts reach the designated safeguarding lead, and record the "
                f"results:\n{link}\n"
            ),
            dedupe_key=f"filtering-{key}:{school.pk}:{due_on.isoformat()}:{stage}",
            school=school,
        )
        queued += message is not None
    return f"queued {queued}"


@provider
def filtering_due(user, memberships):
    """The review or check coming due, for the named senior leader; one query."""
    if not memberships:
        return []
    today = timezone.localdate()
    setups = _with_dates(
        FilteringSetup.objects.filter(
            senior_leader__user=user, school__in=[m.school for m in memberships]
        )
    ).select_related("school")
    tasks = []
    for setup in setups:
        when = Due(setup.last_review, setup.last_check, setup.check_every_days, today)
        url = reverse("filtering-check-add", kwargs={"school": setup.school.slug})
        if _stage(when.review_due, today, REVIEW_WARNING):
            title, due_on = "Review web filtering and monitoring (yearly)", when.review_due
            url += "?kind=review"
        elif _stage(when.check_due, today, CHECK_WARNING):
            title, due_on = "Check web filtering and monitoring", when.check_due
        else:
            continue
        tasks.append(
            Task(
                f"{title} at {setup.school.name}",
                url,
                school=setup.school,
                due=due_on,
                urgent=due_on < today,
            )
        )
    return tasks


def people_choices(school, kind):
    return (
        Person.objects.for_school(school)
        .current()
        .filter(kind=kind)
        .only("first_name", "last_name", "job_title", "school_id", "left_on", "kind")
    )
