"""Housekeeping campaigns (P14): open one per school year, attest, follow progress, chase.

Decisions, so that the dashboard and the pages agree:
- The SIRO or the DPO opens each school year's campaign (1 September to 31 August) and sets its
  deadline; Bastion does not open one by itself, but the P14 control asks for it when the last
  one is getting old (see controls.py).
- Who must attest ("required"): staff in the people directory with a Bastion account, who had
  started by the deadline and are still there on it (a leaver before the deadline is not asked;
  someone who joins after it waits for next year's campaign).
- Late attestations count: staff can attest until the school year ends, and are chased every
  CHASE_EVERY days from the day the campaign opens until they do or the school year ends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, DateField, Exists, F, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from bastion.core import audit
from bastion.housekeeping.models import Attestation, Campaign
from bastion.lib.dates import long_date
from bastion.notify.models import OutboxMessage
from bastion.notify.mytasks import Task, provider
from bastion.notify.schedule import job
from bastion.notify.services import mail_queue
from bastion.people.models import Kind, Person

CHASE_EVERY = 7  # days between two reminders to the same person
CAMPAIGN_FIELDS = ("year", "opened_on", "deadline", "instructions")
ALREADY_OPEN = "This school year's housekeeping is already open (deadline {deadline})."
NOT_STAFF = (
    "Your account is not linked to a current staff record of this school, so there is nothing "
    "to attest here. Ask the school office to link it."
)


def school_year(day: dt.date) -> int:
    """The school year `day` falls in, by the year it starts: 1 September to 31 August."""
    return day.year if day.month >= 9 else day.year - 1


def year_end(year: int) -> dt.date:
    return dt.date(year + 1, 8, 31)


def required_q(campaign: Campaign) -> Q:
    """The people who must attest for `campaign` (see the module's docstring)."""
    deadline = campaign.deadline
    return (
        Q(school_id=campaign.school_id, kind=Kind.STAFF, user__isnull=False, user__is_active=True)
        & (Q(started_on__isnull=True) | Q(started_on__lte=deadline))
        & (Q(left_on__isnull=True) | Q(left_on__gt=deadline))
    )


def _attested(campaign_id) -> Exists:
    return Exists(Attestation.objects.filter(person=OuterRef("pk"), campaign_id=campaign_id))


@dataclass(frozen=True)
class Progress:
    required: int
    done: int

    @property
    def missing(self) -> int:
        return self.required - self.done

    @property
    def share(self) -> float:
        return self.done / self.required if self.required else 1.0

    @property
    def percent(self) -> int:
        return int(self.share * 100)


def progress(campaigns) -> dict[int, Progress]:
    """{campaign id: Progress} for any number of campaigns of any schools, in one query."""
    campaigns = list(campaigns)
    if not campaigns:
        return {}
    if len({c.school_id for c in campaigns}) == len(campaigns) > 1:
        return _progress_one_per_school(campaigns)
    aggregates = {}
    for c in campaigns:
        required = required_q(c)
        aggregates[f"r{c.pk}"] = Count("pk", filter=required)
        aggregates[f"d{c.pk}"] = Count("pk", filter=required & Q(_attested(c.pk)))
    totals = Person.objects.filter(
        school_id__in={c.school_id for c in campaigns}, kind=Kind.STAFF, user__isnull=False
    ).aggregate(**aggregates)
    return {c.pk: Progress(totals[f"r{c.pk}"], totals[f"d{c.pk}"]) for c in campaigns}


def _progress_one_per_school(campaigns: list[Campaign]) -> dict[int, Progress]:
    """`progress` when each school has one campaign (the dashboards' latest ones): counted per
    school in one grouped query, each school's deadline picked by a CASE, rather than two
    filtered counts per campaign over every row."""
    by_school = {c.school_id: c for c in campaigns}
    deadline = Case(
        *[When(school_id=c.school_id, then=Value(c.deadline)) for c in campaigns],
        output_field=DateField(),
    )
    required = (
        Q(user__is_active=True)
        & (Q(started_on__isnull=True) | Q(started_on__lte=F("deadline")))
        & (Q(left_on__isnull=True) | Q(left_on__gt=F("deadline")))
    )
    # A person's attestations are all for their own school's campaigns: one of the latest
    # campaigns' ids is their school's latest.
    attested = Exists(
        Attestation.objects.filter(person=OuterRef("pk"), campaign_id__in=[c.pk for c in campaigns])
    )
    rows = (
        Person.objects.filter(school_id__in=by_school, kind=Kind.STAFF, user__isnull=False)
        .annotate(deadline=deadline)
        .values("school_id")
        .annotate(
            required=Count("pk", filter=required),
            done=Count("pk", filter=required & Q(attested)),
        )
        .order_by()
    )
    found = {r["school_id"]: Progress(r["required"], r["done"]) for r in rows}
    return {c.pk: found.get(c.school_id, Progress(0, 0)) for c in campaigns}


def missing(campaign: Campaign):
    """The people who still have to attest for `campaign`, by name."""
    return (
        Person.objects.filter(required_q(campaign))
        .exclude(_attested(campaign.pk))
        .order_by("last_name", "first_name", "pk")
    )


def current_campaign(school, today: dt.date | None = None) -> Campaign | None:
    today = today or timezone.localdate()
    return Campaign.objects.filter(school=school, year=school_year(today)).first()


def person_for(user, school) -> Person | None:
    return (
        Person.objects.for_school(school)
        .current()
        .filter(user=user, kind=Kind.STAFF)
        .order_by("pk")
        .first()
    )


# Writes ------------------------------------------------------------------------------------------


def _check_deadline(deadline: dt.date, opened_on: dt.date, year: int) -> None:
    if deadline < opened_on:
        raise ValidationError({"deadline": "The deadline cannot be before the campaign opens."})
    if deadline > year_end(year):
        raise ValidationError(
            {"deadline": f"Choose a deadline in this school year, by {long_date(year_end(year))}."}
        )


def campaign_open(
    *, actor, school, deadline: dt.date, instructions: str = "", request=None
) -> Campaign:
    """Open this school year's housekeeping; every member of staff is then asked to attest."""
    today = timezone.localdate()
    year = school_year(today)
    _check_deadline(deadline, today, year)
    campaign = Campaign(
        school=school,
        year=year,
        opened_on=today,
        deadline=deadline,
        instructions=instructions.strip(),
        opened_by=actor,
    )
    try:
        with transaction.atomic():
            campaign.save()
            audit.record(
                "housekeeping.opened",
                actor=actor,
                school=school,
                obj=campaign,
                request=request,
                changes=audit.diff({}, audit.snapshot(campaign, CAMPAIGN_FIELDS)),
            )
    except IntegrityError:
        existing = Campaign.objects.get(school=school, year=year)
        raise ValidationError(ALREADY_OPEN.format(deadline=long_date(existing.deadline))) from None
    return campaign


def campaign_update(
    *, actor, school, campaign: Campaign, deadline: dt.date, instructions: str, request=None
) -> Campaign:
    """Move the deadline or change the instructions of this school year's campaign."""
    if campaign.school_id != school.pk:
        raise ValueError("the campaign belongs to another school")
    if campaign.year != school_year(timezone.localdate()):
        raise ValidationError("A past school year's housekeeping is history: it cannot change.")
    _check_deadline(deadline, campaign.opened_on, campaign.year)
    with transaction.atomic():
        before = audit.snapshot(campaign, CAMPAIGN_FIELDS)
        campaign.deadline, campaign.instructions = deadline, instructions.strip()
        changes = audit.diff(before, audit.snapshot(campaign, CAMPAIGN_FIELDS))
        if changes:
            campaign.save(update_fields=["deadline", "instructions"])
            audit.record(
                "housekeeping.changed",
                actor=actor,
                school=school,
                obj=campaign,
                request=request,
                changes=changes,
            )
    return campaign


def attest(*, actor, school, note: str = "", request=None) -> Attestation:
    """The user attests that they did this school year's housekeeping (once)."""
    today = timezone.localdate()
    campaign = current_campaign(school, today)
    if campaign is None:
        raise ValidationError("There is no housekeeping to attest this school year yet.")
    person = person_for(actor, school)
    if person is None:
        raise ValidationError(NOT_STAFF)
    attestation = Attestation(
        school=school,
        campaign=campaign,
        person=person,
        attested_at=timezone.now(),
        note=note.strip(),
        user=actor,
    )
    try:
        with transaction.atomic():
            attestation.save()
            audit.record(
                "housekeeping.attested",
                actor=actor,
                school=school,
                obj=attestation,
                object_repr=f"{person} for {campaign}",
                request=request,
                changes={"note": attestation.note} if attestation.note else {},
            )
    except IntegrityError:
        raise ValidationError(f"You have already attested for {campaign}.") from None
    return attestation


# Chasing and My tasks ----------------------------------------------------------------------------


@job("housekeeping-chasers", every=dt.timedelta(hours=1))
def housekeeping_chasers() -> str:
    """Ask every member of staff who has not attested yet, once every CHASE_EVERY days from the
    day the school year's campaign opens, until the school year ends."""
    today = timezone.localdate()
    campaigns = list(
        Campaign.objects.filter(year=school_year(today), opened_on__lte=today).select_related(
            "school"
        )
    )
    if not campaigns:
        return "queued 0"
    by_school = {c.school_id: c for c in campaigns}
    # One query for every school: a person belongs to one school, and so to one campaign here.
    anyone = Q()
    for campaign in campaigns:
        anyone |= required_q(campaign)
    people = (
        Person.objects.filter(anyone)
        .exclude(Exists(Attestation.objects.filter(person=OuterRef("pk"), campaign__in=campaigns)))
        .select_related("user")
        .order_by("school_id", "last_name", "pk")
    )
    planned = []
    for person in people:
        campaign = by_school[person.school_id]
        bucket = (today - campaign.opened_on).days // CHASE_EVERY
        key = f"housekeeping:{campaign.pk}:{person.pk}:w{bucket}"
        planned.append((campaign, person, person.user.email or person.email, key))
    keys = [key for *_, key in planned]
    already: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        already |= set(
            OutboxMessage.objects.filter(dedupe_key__in=chunk).values_list("dedupe_key", flat=True)
        )
    queued = 0
    for campaign, person, to, key in planned:
        if key in already or not to:
            continue
        school = campaign.school
        link = (
            f"{settings.SITE_URL}{reverse('housekeeping-attest', kwargs={'school': school.slug})}"
        )
        late = today > campaign.deadline
        message = mail_queue(
            to=to,
            subject=f"Your yearly housekeeping at {school.name}"
            + (" is overdue" if late else f": by {long_date(campaign.deadline)}"),
            body=(
                f"Hello {person.first_name},\n\n"
                f"Once a year, {school.name} asks every member of staff to review the digital "
                "material they keep (documents, photos, e-mail, files on laptops, drives and "
                "cloud storage), and to remove and destroy what is no longer needed.\n\n"
                + (
                    f"The deadline was {long_date(campaign.deadline)}. "
                    if late
                    else f"Please do it by {long_date(campaign.deadline)}, "
                )
                + f"and then say so here:\n{link}\n"
            ),
            dedupe_key=key,
            school=school,
        )
        queued += message is not None
    return f"queued {queued}"


@provider
def housekeeping_due(user, memberships):
    """This school year's housekeeping, for each school where the user has not attested yet;
    one query for all their schools."""
    if not memberships:
        return []
    today = timezone.localdate()
    mine = Person.objects.filter(
        user=user, kind=Kind.STAFF, school_id=OuterRef("school_id")
    ).filter(Q(started_on__isnull=True) | Q(started_on__lte=OuterRef("deadline")))
    mine = mine.filter(Q(left_on__isnull=True) | Q(left_on__gt=OuterRef("deadline")))
    done = Attestation.objects.filter(campaign=OuterRef("pk"), person__user=user)
    campaigns = (
        Campaign.objects.filter(
            school__in=[m.school for m in memberships],
            year=school_year(today),
            opened_on__lte=today,
        )
        .filter(Exists(mine))
        .exclude(Exists(done))
        .select_related("school")
        .order_by("deadline", "pk")
    )
    return [
        Task(
            f"Do your yearly housekeeping at {c.school.name}: review, remove and destroy the "
            "digital material you no longer need",
            reverse("housekeeping-attest", kwargs={"school": c.school.slug}),
            school=c.school,
            due=c.deadline,
            urgent=today > c.deadline,
        )
        for c in campaigns
    ]
