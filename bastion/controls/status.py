"""Every control's status for many schools at once: its computed parts, its attestation state,
and whether the school's policy marks it not applicable.

`statuses(schools, today)` uses a fixed number of queries whatever the number of schools: three
of its own (settings, the last attestations, the policy's not-applicable rows) and each computed
part's own fixed few (registry.py). The dashboard, the trust matrix, the daily snapshot, the
digest and My tasks all read it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from django.db.models import Max
from django.urls import reverse

from bastion.controls import defaults, registry
from bastion.controls.catalogue import ROWS
from bastion.controls.kept import reuse_parts
from bastion.controls.models import (
    FREQUENCY_DAYS,
    Attestation,
    ControlSetting,
    Frequency,
)
from bastion.controls.registry import (
    ATTENTION,
    MET,
    NOT_APPLICABLE,
    OVERDUE,
    SEVERITY,
    Action,
    Computed,
    Evidence,
)
from bastion.core.models import ROLE_LABELS
from bastion.lib.dates import long_date
from bastion.lib.plain import keepable
from bastion.policy.selectors import not_applicable

# An attestation falling due within this many days shows on My tasks and in the digest.
DUE_SOON_DAYS = 14
FREQUENCY_LABELS = dict(Frequency.choices)
STATUS_LABELS = {
    MET: "Met",
    ATTENTION: "Needs attention",
    OVERDUE: "Overdue",
    NOT_APPLICABLE: "Not applicable",
}
# GOV.UK tag colours for each status.
STATUS_TAGS = {MET: "green", ATTENTION: "yellow", OVERDUE: "red", NOT_APPLICABLE: "grey"}


@keepable
@dataclass
class AttestationState:
    frequency: str
    last: dt.date | None
    due: dt.date | None  # when the next attestation is due (None: no periodic check)
    status: str | None  # None: the attestation does not count towards the status
    summary: str
    today: dt.date = dt.date.min

    @property
    def due_soon(self) -> bool:
        return self.due is not None and self.status == MET and self.days_left <= DUE_SOON_DAYS

    @property
    def frequency_label(self) -> str:
        return FREQUENCY_LABELS[self.frequency]

    @property
    def days_left(self) -> int:
        return (self.due - self.today).days if self.due else 0


@dataclass
class ControlStatus:
    school: object
    code: str
    status: str
    parts: list[tuple[Computed, Evidence]]
    attestation: AttestationState
    owner_role: str
    owner: Owner | None  # when a person is named
    not_applicable_reason: str = ""
    actions: list[tuple[str, Action]] = field(default_factory=list)  # (status, action)

    @property
    def title(self) -> str:
        return ROWS[self.code]

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def tag(self) -> str:
        return STATUS_TAGS[self.status]

    @property
    def owner_label(self) -> str:
        if self.owner is not None:
            return str(self.owner)
        return ROLE_LABELS.get(self.owner_role, self.owner_role)

    @property
    def reason(self) -> str:
        """Why the control is not met, in one line (the worst part's summary)."""
        if self.status == NOT_APPLICABLE:
            return self.not_applicable_reason or "Marked not applicable in the policy."
        found = [(SEVERITY[e.status], e.summary) for _, e in self.parts]
        if self.attestation.status is not None:
            found.append((SEVERITY[self.attestation.status], self.attestation.summary))
        found.sort(key=lambda pair: pair[0])
        return found[0][1] if found else ""

    @property
    def url(self) -> str:
        return reverse("control-detail", kwargs={"school": self.school.slug, "control": self.code})

    @property
    def attest_url(self) -> str:
        return reverse("control-attest", kwargs={"school": self.school.slug, "control": self.code})

    def owned_by(self, user, roles: set[str]) -> bool:
        return owns(self.owner, self.owner_role, user, roles)


def attestation_state(
    code: str, frequency: str, last: dt.date | None, computed: bool, today: dt.date
) -> AttestationState:
    """The attestation's part in a control's status, given the last one made."""
    label = FREQUENCY_LABELS[frequency].lower()
    if frequency == Frequency.NONE:
        if computed:
            summary = f"Last checked by hand on {long_date(last)}." if last else ""
            return AttestationState(frequency, last, None, None, summary, today)
        if last is None:
            summary = "No check recorded yet: record one."
            return AttestationState(frequency, None, None, ATTENTION, summary, today)
        return AttestationState(frequency, last, None, MET, f"Checked on {long_date(last)}.", today)
    days = FREQUENCY_DAYS[frequency]
    if last is None:
        summary = f"No check recorded yet: the check is due {label}."
        return AttestationState(frequency, None, today, ATTENTION, summary, today)
    due = last + dt.timedelta(days=days)
    if due < today:
        summary = f"Check overdue: last checked on {long_date(last)}, due {label}."
        return AttestationState(frequency, last, due, OVERDUE, summary, today)
    summary = f"Checked on {long_date(last)}; next check due by {long_date(due)}."
    return AttestationState(frequency, last, due, MET, summary, today)


@keepable
@dataclass(frozen=True)
class Owner:
    """A control's named owner, as the pages show it and My tasks matches it (kept with the
    plan: a name and an id, not the user's row)."""

    pk: int
    name: str

    def __str__(self) -> str:
        return self.name


@keepable
@dataclass
class Plan:
    """What a school decided about one control: owner, attestation state, not applicable."""

    code: str
    attestation: AttestationState
    owner_role: str
    owner: Owner | None
    not_applicable_reason: str | None

    def owned_by(self, user, roles: set[str]) -> bool:
        return owns(self.owner, self.owner_role, user, roles)


def owns(owner, owner_role: str, user, roles: set[str]) -> bool:
    """A named owner owns the control alone; otherwise whoever holds the owner role."""
    if owner is not None:
        return owner.pk == user.pk
    return owner_role in roles


def plans(
    schools: Sequence, today: dt.date, codes: Sequence[str] | None = None
) -> dict[int, dict[str, Plan]]:
    """Each control's owner and attestation state, without the computed parts: three queries
    (My tasks needs no more)."""
    schools = list(schools)
    codes = list(codes or ROWS)
    ids = [s.pk for s in schools]
    settings = {
        (s.school_id, s.code): s
        for s in ControlSetting.objects.filter(school_id__in=ids, code__in=codes).select_related(
            "owner"
        )
    }
    last = {
        (row["school_id"], row["code"]): row["last"]
        for row in Attestation.objects.filter(school_id__in=ids, code__in=codes)
        .values("school_id", "code")
        .annotate(last=Max("attested_on"))
        .order_by()
    }
    marked = not_applicable(schools)  # the policy's rows marked not applicable
    result: dict[int, dict[str, Plan]] = {}
    for school in schools:
        rows = result[school.pk] = {}
        for code in codes:
            computed = bool(registry.COMPUTED.get(code))
            setting = settings.get((school.pk, code))
            frequency = setting.frequency if setting else defaults.frequency(code)
            if setting is None and frequency == Frequency.NONE and not computed:
                frequency = Frequency.YEARLY  # nothing computes it: someone checks it yearly
            rows[code] = Plan(
                code=code,
                attestation=attestation_state(
                    code, frequency, last.get((school.pk, code)), computed, today
                ),
                owner_role=(setting.owner_role if setting else "") or defaults.owner_role(code),
                owner=Owner(setting.owner.pk, str(setting.owner))
                if setting and setting.owner
                else None,
                not_applicable_reason=marked.get(school.pk, {}).get(code),
            )
    return result


def statuses(
    schools: Sequence, today: dt.date, codes: Sequence[str] | None = None
) -> dict[int, dict[str, ControlStatus]]:
    """{school id: {code: ControlStatus}} for every control (or `codes`) of every school."""
    schools = list(schools)
    codes = list(codes or ROWS)
    with registry.evaluation_pass():
        planned = plans(schools, today, codes)
        computed = {code: registry.evaluate(code, schools, today) for code in codes}
    return _assemble(schools, codes, planned, computed)


def recent_statuses(
    schools: Sequence, today: dt.date, evaluated: set[int] | None = None, ahead: float = 0
) -> dict[int, dict[str, ControlStatus]]:
    """`statuses()` of every control, each computed part kept for reuse until a change is
    recorded at that school, the day changes, or a quarter of an hour passes
    (bastion.controls.kept). The ids of the schools where anything was evaluated join `evaluated`;
    `ahead` is the refresh job's margin (`reuse_parts`)."""
    schools = list(schools)
    codes = list(ROWS)
    parts = {"plans": lambda stale: plans(stale, today, codes)}
    for code in codes:
        for part in registry.COMPUTED.get(code, []):
            parts[part.key] = partial(_evaluate_part, part, today)
    with registry.evaluation_pass():
        kept = reuse_parts("statuses", schools, today, parts, evaluated, ahead)
    planned = {pk: found["plans"] for pk, found in kept.items()}
    computed = {
        code: {
            pk: [(part, found[part.key]) for part in registry.COMPUTED.get(code, [])]
            for pk, found in kept.items()
        }
        for code in codes
    }
    return _assemble(schools, codes, planned, computed)


def _evaluate_part(part: Computed, today: dt.date, schools: list) -> dict[int, Evidence]:
    return part.func(schools, today)


def _assemble(schools, codes, planned, computed) -> dict[int, dict[str, ControlStatus]]:
    """Each control's status from its school's plan and its computed parts' evidence."""
    result: dict[int, dict[str, ControlStatus]] = {}
    for school in schools:
        rows = result[school.pk] = {}
        for code in codes:
            plan = planned[school.pk][code]
            parts = computed[code][school.pk]
            control = ControlStatus(
                school=school,
                code=code,
                status=NOT_APPLICABLE,
                parts=parts,
                attestation=plan.attestation,
                owner_role=plan.owner_role,
                owner=plan.owner,
            )
            if plan.not_applicable_reason is not None:
                control.not_applicable_reason = plan.not_applicable_reason
            else:
                found = [e.status for _, e in parts]
                if plan.attestation.status is not None:
                    found.append(plan.attestation.status)
                control.status = registry.worst(found)
                control.actions = _actions(control)
            rows[code] = control
    return result


def _actions(control: ControlStatus) -> list[tuple[str, Action]]:
    actions = [
        (evidence.status, action)
        for _, evidence in control.parts
        if evidence.status in (ATTENTION, OVERDUE)
        for action in evidence.actions
    ]
    state = control.attestation
    if state.status in (ATTENTION, OVERDUE):
        what = "overdue" if state.status == OVERDUE else "not recorded yet"
        text = f"{control.code} check {what}: {lower_first(control.title)}"
        actions.append((state.status, Action(text, control.attest_url, 1)))
    return actions


def lower_first(text: str) -> str:
    """ "Strong passwords for the MIS" -> "strong passwords for the MIS"."""
    return text[:1].lower() + text[1:]


def urgent_actions(controls, limit: int | None = 5) -> list[tuple[ControlStatus, str, Action]]:
    """The most urgent actions of `controls`: overdue first; then what the registers found
    before checks not yet recorded; then the largest counts."""
    found = [(c, status, action) for c in controls for status, action in c.actions]
    found.sort(key=urgency)
    return found[:limit] if limit else found


def urgency(item: tuple[ControlStatus, str, Action]) -> tuple:
    """The sort key of `urgent_actions`: lists sorted by it merge into the same order."""
    control, status, action = item
    return (
        SEVERITY[status],
        # A check not recorded yet links to the control's attest page (compared without
        # reversing a URL for each of a trust's 1,500 controls).
        action.url.endswith(f"/controls/{control.code}/attest/"),
        -action.count,
        control.code,
    )


def counts(controls) -> dict[str, int]:
    """How many controls have each status."""
    result = dict.fromkeys(STATUS_LABELS, 0)
    for control in controls:
        result[control.status] += 1
    return result
