"""Single Central Record rules (KCSIE): which checks a person needs, and their entry's state.

A person's entry is *clear* when every check their role needs is done, they did not start
before their DBS certificate without a dated risk assessment, and their DBS certificate is not
older than the school's re-check period (an Update Service status check since then counts).
The first two are stored on SCREntry by `refresh_entry`; the re-check depends on today's date
and is computed in the query.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from bastion.people.models import Check, Contract, Kind, PeopleSettings, Person, SCRCheck, SCREntry

State = SCRCheck.State

# What one check shows on a person's entry.
DONE, MISSING, ACTION_NEEDED, NOT_REQUIRED, NOT_APPLICABLE = (
    "done",
    "missing",
    "action_needed",
    "not_required",
    "n/a",
)
GAPS = (MISSING, ACTION_NEEDED)


def required_checks(person: Person) -> list[str]:
    """The checks the school must record for this person, in the SCR's column order."""
    agency = person.kind == Kind.STAFF and person.contract == Contract.AGENCY
    if agency:
        # The agency makes the checks and confirms them in writing; the school checks on
        # arrival that the person is the one the agency vetted.
        needed = {Check.IDENTITY, Check.AGENCY_CONFIRMATION}
    elif person.kind == Kind.STAFF:
        needed = {Check.IDENTITY, Check.DBS, Check.BARRED_LIST, Check.RIGHT_TO_WORK}
    elif person.kind == Kind.GOVERNOR:
        needed = {Check.IDENTITY, Check.DBS, Check.SECTION_128}
    elif person.kind == Kind.VOLUNTEER and person.regulated_activity:
        needed = {Check.IDENTITY, Check.DBS, Check.BARRED_LIST}
    elif person.kind == Kind.CONTRACTOR:
        needed = {Check.IDENTITY, Check.DBS}
    else:
        return []
    # A management post needs the section 128 check whoever employs the person.
    if person.management_role:
        needed.add(Check.SECTION_128)
    if not agency:
        if person.regulated_activity:
            needed.add(Check.BARRED_LIST)
        if person.teaching_role:
            needed.add(Check.PROHIBITION)
        if person.lived_overseas:
            needed.add(Check.OVERSEAS)
        if person.qualifications_required:
            needed.add(Check.QUALIFICATIONS)
    return [c.value for c in Check if c in needed]


def in_scope(person: Person) -> bool:
    return bool(required_checks(person))


@dataclass(frozen=True)
class CheckState:
    check: Check
    status: str  # DONE, MISSING, ACTION_NEEDED, NOT_REQUIRED or NOT_APPLICABLE
    item: SCRCheck | None
    required: bool

    @property
    def label(self) -> str:
        if self.status == MISSING and self.item is not None:
            return "Missing: this role needs it"  # recorded as not required, wrongly
        return {
            DONE: "Complete",
            MISSING: "Missing",
            ACTION_NEEDED: "Action needed",
            NOT_REQUIRED: "Not required",
            NOT_APPLICABLE: "Not required",
        }[self.status]


def check_states(person: Person, checks: Iterable[SCRCheck]) -> list[CheckState]:
    """Every check, in column order, with what it shows for this person.

    "Not required" only stands for a check the role does not need: after a role change (a new
    teaching post, say) an earlier "not required" prohibition check is missing again.
    """
    by_check = {c.check_type: c for c in checks}
    needed = set(required_checks(person))
    states = []
    for check in Check:
        item = by_check.get(check.value)
        required = check.value in needed
        if item is not None and item.state == State.DONE:
            status = DONE
        elif item is not None and item.state == State.ACTION_NEEDED:
            status = ACTION_NEEDED  # someone said so: a gap even on a check the role lacks
        elif required:
            status = MISSING
        elif item is not None:
            status = NOT_REQUIRED
        else:
            status = NOT_APPLICABLE
        states.append(CheckState(check, status, item, required))
    return states


@dataclass
class Evaluation:
    checks: list[CheckState]
    missing: list[str]
    started_before_dbs: bool
    dbs_on: dt.date | None

    @property
    def complete(self) -> bool:
        return not self.missing and not self.started_before_dbs


def evaluate(person: Person, checks: Iterable[SCRCheck], entry: SCREntry | None) -> Evaluation:
    """The person's entry from their checks, whatever the date (see `started_before_dbs`)."""
    states = check_states(person, checks)
    missing = [s.check.value for s in states if s.status in GAPS]
    dbs = next(s for s in states if s.check == Check.DBS)
    dbs_on = dbs.item.done_on if dbs.required and dbs.status == DONE else None
    return Evaluation(
        checks=states,
        missing=missing,
        started_before_dbs=started_before_dbs(person, dbs.required, dbs_on, entry),
        dbs_on=dbs_on,
    )


def started_before_dbs(
    person: Person, needs_dbs: bool, dbs_on: dt.date | None, entry: SCREntry | None
) -> bool:
    """Did (or will) the person start before their DBS certificate, with no risk assessment?

    Stored whatever today's date is, so a future start needs no recomputation when the day
    comes: someone who has not started yet is shown as such by `started` in the query. A risk
    assessment counts only if it was made before the certificate arrived.
    """
    if not needs_dbs or person.started_on is None:
        return False
    if dbs_on is not None and dbs_on <= person.started_on:
        return False
    assessed = entry.risk_assessment_on if entry else None
    return not (assessed and (dbs_on is None or assessed <= dbs_on))


def refresh_entry(person: Person) -> SCREntry | None:
    """Recompute and store the person's SCR state; call after any change to them or their checks."""
    if not in_scope(person):
        SCREntry.objects.filter(person=person).update(
            missing="", complete=False, started_before_dbs=False, dbs_on=None
        )
        return None
    entry, _ = SCREntry.objects.get_or_create(person=person, defaults={"school": person.school})
    _store(entry, evaluate(person, person.scr_checks.all(), entry))
    entry.save(update_fields=STORED)
    return entry


STORED = ["missing", "started_before_dbs", "dbs_on", "complete"]


def _store(entry: SCREntry, result: Evaluation) -> None:
    entry.missing = ",".join(result.missing)
    entry.started_before_dbs = result.started_before_dbs
    entry.dbs_on = result.dbs_on
    entry.complete = result.complete


def refresh_entries(people: QuerySet[Person]) -> int:
    """`refresh_entry` for many people in a few queries per thousand (imports, the demo)."""
    count = 0
    for chunk in _chunks(people.order_by("pk"), 1000):
        ids = [p.pk for p in chunk]
        entries = {e.person_id: e for e in SCREntry.objects.filter(person_id__in=ids)}
        checks = defaultdict(list)
        for item in SCRCheck.objects.filter(person_id__in=ids):
            checks[item.person_id].append(item)
        new, changed = [], []
        for person in chunk:
            entry = entries.get(person.pk)
            if not in_scope(person):
                if entry is not None:
                    _store(entry, Evaluation([], [], False, None))
                    changed.append(entry)
                continue
            if entry is None:
                entry = SCREntry(school_id=person.school_id, person=person)
                new.append(entry)
            else:
                changed.append(entry)
            _store(entry, evaluate(person, checks[person.pk], entry))
        SCREntry.objects.bulk_create(new)
        SCREntry.objects.bulk_update(changed, STORED)
        count += len(chunk)
    return count


def _chunks(people: QuerySet[Person], size: int):
    chunk = []
    for person in people.iterator(chunk_size=size):
        chunk.append(person)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# Time-dependent rules, in SQL (over Person) and in Python (for one entry) --------------------


def recheck_years(school) -> int | None:
    years = PeopleSettings.objects.filter(school=school).values_list("dbs_recheck_years", flat=True)
    return next(iter(years), None) or None


def cutoff_for(years: int | None, today: dt.date | None = None) -> dt.date | None:
    """DBS certificates dated before this are due for a re-check (None: no re-check period)."""
    if not years:
        return None
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def recheck_cutoff(school, today: dt.date | None = None) -> dt.date | None:
    """The school's re-check cut-off today (None: the school sets no re-check period)."""
    return cutoff_for(recheck_years(school), today)


def on_roll_q(today: dt.date | None = None) -> Q:
    """People who work at the school today: not left, or leaving on a later date."""
    return Q(left_on__isnull=True) | Q(left_on__gt=today or timezone.localdate())


def recheck_due_q(cutoff: dt.date | None, prefix: str = "scr__") -> Q:
    """DBS older than the cut-off and no Update Service status check since (or never)."""
    if cutoff is None:
        return Q(pk__in=[])
    return Q(**{f"{prefix}dbs_on__lt": cutoff}) & (
        Q(**{f"{prefix}update_service": False})
        | Q(**{f"{prefix}update_service_checked_on__isnull": True})
        | Q(**{f"{prefix}update_service_checked_on__lt": cutoff})
    )


def clear_q(cutoff: dt.date | None, prefix: str = "scr__") -> Q:
    """Complete entries whose DBS needs no re-check today (the opposite of `recheck_due_q`)."""
    complete = Q(**{f"{prefix}complete": True})
    if cutoff is None:
        return complete
    return complete & (
        Q(**{f"{prefix}dbs_on__isnull": True})
        | Q(**{f"{prefix}dbs_on__gte": cutoff})
        | Q(**{f"{prefix}update_service": True, f"{prefix}update_service_checked_on__gte": cutoff})
    )


def recheck_due(entry: SCREntry | None, cutoff: dt.date | None) -> bool:
    """`recheck_due_q` for one entry."""
    if cutoff is None or entry is None or entry.dbs_on is None or entry.dbs_on >= cutoff:
        return False
    checked = entry.update_service_checked_on
    return not (entry.update_service and checked is not None and checked >= cutoff)


def with_clear_scr(
    people: QuerySet[Person], school, today: dt.date | None = None
) -> QuerySet[Person]:
    """Those of `people` who work at `school` today with a clear SCR entry."""
    today = today or timezone.localdate()
    cutoff = recheck_cutoff(school, today)
    return people.filter(on_roll_q(today), clear_q(cutoff), school=school)


def has_clear_scr(person: Person, today: dt.date | None = None) -> bool:
    """Does this person have a complete Single Central Record entry today? (T11: servers are
    managed by DBS-checked staff.)"""
    people = Person.objects.filter(pk=person.pk, school_id=person.school_id)
    return with_clear_scr(people, person.school, today).exists()
