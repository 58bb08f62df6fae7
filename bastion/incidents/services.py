"""Writes to the incident register (P4): report, assess, decide, act, close. Each one audited.

The audit log is append-only and can never be erased, so the reporter's own words (which often
name pupils or staff) are recorded there as changed, not copied; the incident row keeps them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone

from bastion.core import audit
from bastion.core.models import Membership, School, TrustAdmin
from bastion.equipment.models import Device
from bastion.incidents.models import Action, Draft, Incident, Kind, Level, Risk
from bastion.lib.dates import long_datetime
from bastion.lib.db import retry_conflicts
from bastion.notify.services import mail_queue

Status = Incident.Status
REPORT_FIELDS = (
    "kind",
    "what_happened",
    "happened_at",
    "discovered_at",
    "device",
    "system_or_asset",
    "personal_data",
    "people_affected",
    "children_data",
    "special_category",
    "done_already",
)
PRIVATE_TEXT = frozenset({"what_happened", "personal_data", "done_already"})
ASSESS_FIELDS = ("aware_at", "likelihood", "severity", "risk", "risk_reasoning", "status")
ICO_FIELDS = ("notify_ico", "not_notifiable_reason", "ico_reference", "ico_notified_at")
ICO_FIELDS += ("late_reason", "status")
TELL_FIELDS = ("tell_people", "people_told_on", "people_told_how", "not_telling_reason")
CLOSE_FIELDS = ("status", "cause", "lessons", "closed_at", "closed_by")
ACTION_FIELDS = ("kind", "description", "owner", "due_on")
DEVICE_FIELDS = ("status", "reported_missing_at", "incident_reference")
MISSING = {Kind.LOST_DEVICE: Device.Status.LOST, Kind.STOLEN_DEVICE: Device.Status.STOLEN}
# Likelihood x severity of harm to people -> the risk (the ICO: weigh both together).
L, M, H = Level.LOW, Level.MEDIUM, Level.HIGH
RISK_MATRIX = {
    (L, L): Risk.NO_RISK, (L, M): Risk.RISK, (L, H): Risk.RISK,
    (M, L): Risk.RISK, (M, M): Risk.RISK, (M, H): Risk.HIGH_RISK,
    (H, L): Risk.RISK, (H, M): Risk.HIGH_RISK, (H, H): Risk.HIGH_RISK,
}  # fmt: skip
DRAFT_MAX_CHARS = 20_000


def _snapshot(obj, fields) -> dict:
    values = audit.snapshot(obj, fields)
    for name in PRIVATE_TEXT & values.keys():
        text = values[name] or ""
        values[name] = f"[{len(text)} characters]" if text else ""
    return values


def _record(action: str, actor, school, obj, before: dict, after: dict, request) -> None:
    changes = audit.diff(before, after)
    audit.record(action, actor=actor, school=school, obj=obj, request=request, changes=changes)


def _locked(incident: Incident) -> Incident:
    """The incident's current row, locked for this transaction; refused once closed."""
    row = Incident.objects.select_for_update(no_key=True).get(pk=incident.pk)
    if row.status == Status.CLOSED:
        raise ValidationError("This incident is closed. Reopen it to change it.")
    return row


@contextmanager
def _changing(action: str, *, actor, school, incident, fields, request) -> Iterator[Incident]:
    """Lock the open incident, let the caller change it, then save it and audit the change.
    A ValidationError raised by the caller leaves everything as it was."""
    with transaction.atomic():
        row = _locked(incident)
        before = _snapshot(row, fields)
        yield row
        row.save()
        _record(action, actor, school, row, before, _snapshot(row, fields), request)


def handlers(school: School) -> list:
    """Who hears of a new incident: the school's DPO and SIRO, else its trust's admins."""
    members = (
        Membership.objects.active()
        .filter(school=school)
        .filter(Q(is_dpo=True) | Q(is_siro=True))
        .select_related("user")
        .order_by("-is_dpo", "user__last_name")
    )
    users = [m.user for m in members]
    if not users and school.trust_id:
        admins = TrustAdmin.objects.filter(trust_id=school.trust_id, user__is_active=True)
        users = [a.user for a in admins.select_related("user").order_by("user__email")]
    return users


def _next_reference(school: School, year: int) -> str:
    prefix = f"INC-{year}-"
    # By length first: INC-2026-10000 comes after INC-2026-9999.
    last = (
        Incident.objects.filter(school=school, reference__startswith=prefix)
        .annotate(size=Length("reference"))
        .order_by("-size", "-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:04d}"


@retry_conflicts
def incident_report(
    *, actor, school: School, data: dict, submission_key: uuid.UUID, request=None
) -> tuple[Incident, bool]:
    """Record a report, give it the school's next reference and alert the DPO and SIRO.

    Returns (incident, created); a second submission of the same form finds the first report.
    """
    device = data.get("device")
    if device is not None and device.school_id != school.pk:
        raise ValidationError("Choose one of the school's devices, or none.")
    with transaction.atomic():
        # One reporter at a time per school: references have no gaps and no duplicates.
        School.objects.select_for_update(no_key=True).only("pk").get(pk=school.pk)
        if device is not None and MISSING.get(data.get("kind")):
            # The device it marks missing is locked now, before the first audit event takes
            # the audit head (bastion.lib.db's order), not after.
            Device.objects.select_for_update(no_key=True).filter(pk=device.pk).first()
        existing = Incident.objects.filter(school=school, submission_key=submission_key).first()
        if existing is not None:
            if existing.reporter_id != actor.pk:
                raise ValidationError("This form was already used. Please start a new report.")
            return existing, False
        incident = Incident.objects.create(
            school=school,
            reporter=actor,
            submission_key=submission_key,
            reference=_next_reference(school, timezone.localdate().year),
            # The school is aware from the moment one of its staff knows: the clock starts then.
            aware_at=data["discovered_at"],
            **{name: data[name] for name in REPORT_FIELDS if name in data},
        )
        after = _snapshot(incident, ("reference", *REPORT_FIELDS, "aware_at"))
        _record("incident.reported", actor, school, incident, {}, after, request)
        _mark_device_missing(actor, school, incident, request)
        Draft.objects.filter(school=school, user=actor).delete()
        _alert_handlers(incident)
    return incident, True


def _mark_device_missing(actor, school, incident: Incident, request) -> None:
    """A lost or stolen device is marked so in the equipment register, with this reference."""
    status = MISSING.get(incident.kind)
    if status is None or incident.device_id is None:
        return
    device = Device.objects.select_for_update(no_key=True).get(pk=incident.device_id, school=school)
    before = audit.snapshot(device, DEVICE_FIELDS)
    already_missing = device.status in MISSING.values()
    if not already_missing:
        device.status = status
        device.reported_missing_at = device.reported_missing_at or timezone.now()
    if not (already_missing and device.incident_reference):
        # A second report of a loss already followed up keeps the first incident's reference.
        device.incident_reference = incident.reference
    after = audit.snapshot(device, DEVICE_FIELDS)
    if before != after:
        device.save(update_fields=[*DEVICE_FIELDS, "updated_at"])
        _record("device.reported_missing", actor, school, device, before, after, request)


def _alert_handlers(incident: Incident) -> None:
    """E-mail the handlers now; a failed delivery stays in the outbox for run_schedule."""
    school = incident.school
    link = settings.SITE_URL + reverse(
        "incident-detail", kwargs={"school": school.slug, "pk": incident.pk}
    )
    deadline = timezone.localtime(incident.ico_deadline)
    for user in handlers(school):
        # No details in e-mail: they may be personal data. The link leads to them.
        mail_queue(
            to=user.email,
            subject=f"Incident {incident.reference} reported at {school.name}",
            body=(
                f"Hello {user.first_name or user.email},\n\n"
                f"{incident.reporter} has reported an incident at {school.name}: "
                f"{incident.reference} ({incident.get_kind_display()}).\n\n"
                f"If personal data is at risk, the ICO must be told by "
                f"{deadline:%A} {long_datetime(deadline)} "
                "(72 hours from when the school became aware).\n\n"
                f"Triage it here: {link}\n"
            ),
            dedupe_key=f"incident-reported:{incident.pk}:{user.pk}",
            school=school,
        )


def incident_viewed(*, actor, school: School, incident: Incident, request=None) -> None:
    """Opening an incident is logged: it may hold personal data (design 3.2)."""
    audit.record("incident.viewed", actor=actor, school=school, obj=incident, request=request)


@retry_conflicts
def incident_assess(
    *,
    actor,
    school: School,
    incident: Incident,
    likelihood: str,
    severity: str,
    reasoning: str,
    aware_at: dt.datetime | None = None,
    request=None,
) -> Incident:
    """Record the risk to people (likelihood x severity), the reasoning, and (corrected) when
    the school became aware."""
    if (likelihood, severity) not in RISK_MATRIX:
        raise ValidationError("Choose the likelihood and the severity of harm.")
    if not reasoning.strip():
        raise ValidationError("Give the reasoning for the assessment.")
    if aware_at and aware_at > timezone.now():
        raise ValidationError("The school cannot become aware in the future.")
    who = {"actor": actor, "school": school, "incident": incident, "request": request}
    with _changing("incident.assessed", fields=ASSESS_FIELDS, **who) as row:
        row.likelihood, row.severity = likelihood, severity
        row.risk = RISK_MATRIX[(likelihood, severity)]
        row.risk_reasoning = reasoning.strip()
        row.aware_at = aware_at or row.aware_at
        row.assessed_by, row.assessed_at = actor, timezone.now()
        if row.status == Status.REPORTED:
            row.status = Status.TRIAGED
    return row


@retry_conflicts
def incident_decide_ico(
    *, actor, school: School, incident: Incident, notify: bool, reason: str = "", request=None
) -> Incident:
    """Decide whether the ICO must be told. Deciding to tell keeps the clock running until the
    notification is recorded; not notifiable needs the reason, and stops the clock."""
    if not notify and not reason.strip():
        raise ValidationError("Say why the incident does not need to be reported to the ICO.")
    who = {"actor": actor, "school": school, "incident": incident, "request": request}
    with _changing("incident.ico_decided", fields=ICO_FIELDS, **who) as row:
        row.notify_ico = notify
        row.not_notifiable_reason = "" if notify else reason.strip()
        row.ico_reference, row.ico_notified_at, row.late_reason = "", None, ""
        if row.status == Status.REPORTED:
            row.status = Status.TRIAGED
    return row


@retry_conflicts
def incident_record_notification(
    *,
    actor,
    school: School,
    incident: Incident,
    reference: str,
    notified_at: dt.datetime,
    late_reason: str = "",
    request=None,
) -> Incident:
    """Record that the ICO was told: its reference and when. After the 72 hours the reason for
    the delay is required (UK GDPR art. 33(1))."""
    if not reference.strip():
        raise ValidationError("Enter the reference the ICO gave.")
    if notified_at > timezone.now():
        raise ValidationError("The ICO cannot have been told in the future.")
    who = {"actor": actor, "school": school, "incident": incident, "request": request}
    with _changing("incident.ico_notified", fields=ICO_FIELDS, **who) as row:
        late = notified_at > row.ico_deadline
        if late and not late_reason.strip():
            raise ValidationError(
                "The ICO was told after the 72 hours: give the reason for the delay."
            )
        row.notify_ico, row.not_notifiable_reason = True, ""
        row.ico_reference, row.ico_notified_at = reference.strip(), notified_at
        row.late_reason = late_reason.strip() if late else ""
        if row.status == Status.REPORTED:
            row.status = Status.TRIAGED
    return row


@retry_conflicts
def incident_tell_people(
    *,
    actor,
    school: School,
    incident: Incident,
    tell: bool,
    told_on: dt.date | None = None,
    how: str = "",
    reason: str = "",
    request=None,
) -> Incident:
    """Record whether the people affected were told (art. 34): when and how, or why not."""
    if tell and not (told_on and how.strip()):
        raise ValidationError("Give the date people were told and how.")
    if not tell and not reason.strip():
        raise ValidationError("Say why the people affected are not being told.")
    action = "incident.people_told" if tell else "incident.people_not_told"
    who = {"actor": actor, "school": school, "incident": incident, "request": request}
    with _changing(action, fields=TELL_FIELDS, **who) as row:
        row.tell_people = tell
        row.people_told_on = told_on if tell else None
        row.people_told_how = how.strip() if tell else ""
        row.not_telling_reason = "" if tell else reason.strip()
    return row


@retry_conflicts
def action_add(
    *,
    actor,
    school: School,
    incident: Incident,
    kind: str,
    description: str,
    owner,
    due_on: dt.date,
    request=None,
) -> Action:
    """Give someone with an account in the school a containment, recovery or prevention task."""
    if not Membership.objects.active().filter(school=school, user=owner).exists():
        raise ValidationError("The owner must be a member of the school with an account.")
    with transaction.atomic():
        row = _locked(incident)
        action = Action(school=school, incident=row, kind=kind, owner=owner, due_on=due_on)
        action.description = description.strip()
        action.full_clean(exclude=["school", "incident", "owner"])
        action.save()
        after = {"action": action.pk, **audit.snapshot(action, ACTION_FIELDS)}
        _record("incident.action_added", actor, school, row, {}, after, request)
    return action


@retry_conflicts
def action_done(*, actor, school: School, action: Action, request=None) -> Action:
    """Mark an action done (by its owner or a handler); doing it twice changes nothing."""
    with transaction.atomic():
        row = Action.objects.select_for_update(no_key=True).get(pk=action.pk)
        if row.done_at is not None:
            return row
        row.done_at = timezone.now()
        row.save(update_fields=["done_at"])
        before = {"action": row.pk, "done_at": None}
        after = {"action": row.pk, "done_at": row.done_at}
        _record("incident.action_done", actor, school, row.incident, before, after, request)
    return row


def closing_problems(incident: Incident) -> list[str]:
    """What must be decided before an incident can be closed."""
    problems = []
    if not incident.risk:
        problems.append("Assess the risk to people first.")
    if incident.notify_ico is None:
        problems.append("Decide whether the ICO must be told first.")
    elif incident.notify_ico and not incident.ico_notified_at:
        problems.append("Record the ICO's reference and when it was told first.")
    if incident.risk == Risk.HIGH_RISK and incident.tell_people is None:
        problems.append("It is a high risk: decide whether to tell the people affected first.")
    return problems


@retry_conflicts
def incident_close(
    *, actor, school: School, incident: Incident, cause: str, lessons: str, request=None
) -> Incident:
    """Close an incident once it is decided, with its cause and the lessons learned."""
    if not cause.strip() or not lessons.strip():
        raise ValidationError("Give the cause and the lessons learned.")
    who = {"actor": actor, "school": school, "incident": incident, "request": request}
    with _changing("incident.closed", fields=CLOSE_FIELDS, **who) as row:
        if problems := closing_problems(row):
            raise ValidationError(problems)
        row.cause, row.lessons = cause.strip(), lessons.strip()
        row.status, row.closed_at, row.closed_by = Status.CLOSED, timezone.now(), actor
    return row


@retry_conflicts
def incident_reopen(*, actor, school: School, incident: Incident, request=None) -> Incident:
    """Open a closed incident again (new facts, a complaint); the closure stays in the log."""
    with transaction.atomic():
        row = Incident.objects.select_for_update(no_key=True).get(pk=incident.pk)
        if row.status != Status.CLOSED:
            raise ValidationError("This incident is not closed.")
        before = _snapshot(row, CLOSE_FIELDS)
        row.status = Status.TRIAGED if row.risk else Status.REPORTED
        row.closed_at, row.closed_by = None, None
        row.save()
        _record(
            "incident.reopened", actor, school, row, before, _snapshot(row, CLOSE_FIELDS), request
        )
    return row


def _submitted(school: School, key) -> bool:
    try:
        key = uuid.UUID(str(key))
    except ValueError:
        return False
    return Incident.objects.filter(school=school, submission_key=key).exists()


def draft_save(*, actor, school: School, data, fields) -> Draft | None:
    """Keep what the reporter has typed so far (on the server only). Not audited: it is their
    own scratch copy, saved every few seconds, and deleted once the report is sent."""
    values = {}
    for name in fields:
        value = data.get(name)
        if value not in (None, ""):
            values[name] = str(value)[:DRAFT_MAX_CHARS]
    # A save that was on its way while the form was sent must not bring the draft back.
    if _submitted(school, values.get("submission_key")):
        return None
    draft, _ = Draft.objects.update_or_create(school=school, user=actor, defaults={"data": values})
    return draft


def draft_restore(*, actor, school: School) -> Draft | None:
    """The reporter's draft, unless the report it belongs to has been sent already."""
    draft = Draft.objects.filter(school=school, user=actor).first()
    if draft and _submitted(school, draft.data.get("submission_key")):
        draft.delete()
        return None
    return draft


def draft_discard(*, actor, school: School) -> None:
    Draft.objects.filter(school=school, user=actor).delete()
