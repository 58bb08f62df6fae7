"""Password changes on the school's systems (P11): staff attest "I changed my password for
<system> on <date>" (Bastion never asks for the password), each account is due again after its
system's period, My tasks asks before it lapses and a scheduled job reminds by e-mail.

"In date" has one definition, used in SQL and in Python alike: the last attested change is on or
after the cutoff, today less the system's period in months. An account with no attested change
is not in date: its first password was set by whoever created it, so the holder changes it.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, DateField, Exists, Max, OuterRef, Q, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone

from bastion.core import audit
from bastion.core.models import Membership
from bastion.lib.dates import long_date
from bastion.lib.db import retry_conflicts
from bastion.notify.mytasks import Task, provider
from bastion.notify.schedule import job
from bastion.notify.services import mail_queue
from bastion.systems.models import Account, PasswordChange

REMIND_DAYS = 14  # My tasks and the e-mail reminder ask this many days before a change is due
PERIODS = range(1, 25)  # the model's validators: 1 to 24 months


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, the day clamped to the month's end (31 Aug + 6 = 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return day.replace(year=year, month=month + 1, day=min(day.day, last))


def in_date(last: dt.date | None, months: int, today: dt.date) -> bool:
    return last is not None and last >= add_months(today, -months)


def due_on(last: dt.date | None, months: int) -> dt.date | None:
    """When the next change is due; None when none was ever attested (due now)."""
    return add_months(last, months) if last else None


def cutoff(on: dt.date):
    """The date each account's last change must be on or after to be in date on `on`, as an
    SQL expression over the account's system's period (None when it has no period)."""
    return Case(
        *(When(system__password_change_months=p, then=Value(add_months(on, -p))) for p in PERIODS),
        default=Value(None),
        output_field=DateField(),
    )


def last_change() -> Subquery:
    changes = PasswordChange.objects.filter(
        system_id=OuterRef("system_id"), person_id=OuterRef("person_id")
    )
    return Subquery(
        changes.order_by().values("system_id").annotate(last=Max("changed_on")).values("last")[:1]
    )


def with_state(accounts, today: dt.date):
    """`accounts` with `last_changed` (the last attested change) and `in_date` (on `today`)."""
    recent = PasswordChange.objects.filter(
        system_id=OuterRef("system_id"),
        person_id=OuterRef("person_id"),
        changed_on__gte=OuterRef("cutoff"),
    )
    return accounts.annotate(cutoff=cutoff(today), last_changed=last_change()).annotate(
        in_date=Exists(recent)
    )


def rotated_accounts(today: dt.date | None = None):
    """Accounts whose system asks for periodic changes, held by people still at the school,
    each with `last_changed` and `in_date` (on `today`)."""
    today = today or timezone.localdate()
    return with_state(_rotated(today), today)


def _rotated(today: dt.date):
    return Account.objects.filter(
        system__archived=False, system__password_change_months__isnull=False
    ).filter(_current_people(today))


def _current_people(today: dt.date) -> Q:
    return Q(person__left_on__isnull=True) | Q(person__left_on__gt=today)


def account_state(account: Account, today: dt.date) -> dict:
    """What a page shows of an annotated account: due date, in date, due soon."""
    months = account.system.password_change_months
    last = getattr(account, "last_changed", None)
    due = due_on(last, months) if months else None
    ok = bool(months) and in_date(last, months, today)
    return {
        "last": last,
        "due": due,
        "in_date": ok,
        "soon": ok and due is not None and (due - today).days <= REMIND_DAYS,
        "rotated": bool(months),
    }


def _already_said(last: dt.date) -> ValidationError:
    return ValidationError(
        {
            "changed_on": f"You already said you changed it on {long_date(last)}. Give the "
            "date of a later change."
        }
    )


@retry_conflicts
@transaction.atomic
def password_attest(*, actor, school, account: Account, changed_on: dt.date, request=None):
    """Record the holder's word that they changed their password for the account's system."""
    today = timezone.localdate()
    system = account.system
    if account.person.user_id != actor.pk:
        raise ValidationError("Only the holder of an account can say they changed its password.")
    if system.archived:
        raise ValidationError(f"{system} is archived: no changes are recorded for it.")
    if changed_on > today:
        raise ValidationError({"changed_on": "The date cannot be in the future."})
    if account.since and changed_on < account.since:
        raise ValidationError(
            {
                "changed_on": f"You have held this account since {long_date(account.since)}: "
                "the change cannot be before that."
            }
        )
    if changed_on < add_months(today, -24):
        raise ValidationError({"changed_on": "Give a change within the last two years."})
    # One holder's attestations for one account, one at a time: the row the change is about is
    # locked first (the audit head last, as everywhere), so the check below sees the others.
    Account.objects.select_for_update(no_key=True).filter(pk=account.pk).first()
    last = (
        PasswordChange.objects.filter(system=system, person=account.person)
        .aggregate(last=Max("changed_on"))
        .get("last")
    )
    if last and changed_on <= last:
        raise _already_said(last)
    try:
        with transaction.atomic():
            change = PasswordChange.objects.create(
                school=school,
                system=system,
                person=account.person,
                changed_on=changed_on,
                recorded_by=actor,
            )
    except IntegrityError:  # the same form, sent again at the same moment, was first
        raise _already_said(changed_on) from None
    audit.record(
        "system.password_changed",
        actor=actor,
        school=school,
        obj=system,
        request=request,
        changes={"person": account.person.full_name, "changed_on": changed_on.isoformat()},
    )
    return change


def _task_title(account, state) -> str:
    if state["last"] is None:
        return f"Change your password for {account.system}: no change recorded yet"
    if not state["in_date"]:
        return f"Change your password for {account.system} (overdue)"
    return f"Change your password for {account.system}"


@provider
def password_tasks(user, memberships):
    """The user's accounts due a change within two weeks, or lapsed; one query. (Only the last
    change is read: whether it is in date follows from it, as `account_state` works out.)"""
    schools = {m.school_id: m.school for m in memberships}
    if not schools:
        return []
    today = timezone.localdate()
    accounts = (
        _rotated(today)
        .annotate(last_changed=last_change())
        .filter(person__user=user, school_id__in=list(schools))
        .select_related("system", "person")
        .order_by("system__name", "pk")
    )
    tasks = []
    for account in accounts:
        state = account_state(account, today)
        if state["in_date"] and not state["soon"]:
            continue
        school = schools[account.school_id]
        url = reverse("password-attest", kwargs={"school": school.slug, "pk": account.pk})
        tasks.append(
            Task(
                _task_title(account, state),
                url,
                school=school,
                due=state["due"] or today,
                urgent=not state["in_date"],
            )
        )
    return tasks


def _reminder(account, state, school, today) -> dict:
    system = account.system
    link = settings.SITE_URL + reverse(
        "password-attest", kwargs={"school": school.slug, "pk": account.pk}
    )
    if state["due"] is None:
        when = "No change of it is recorded yet"
    elif state["due"] < today:
        when = f"Its change was due on {long_date(state['due'])}"
    else:
        when = f"It is due for a change on {long_date(state['due'])}"
    return {
        "subject": f"Change your password for {system} ({school.name})",
        "body": (
            f"Hello {account.person.first_name},\n\n"
            f"{school.name} asks everyone to change their password for {system} every "
            f"{system.password_change_months} months. {when}.\n\n"
            f"Change it in {system} itself, then tell Bastion the date you changed it "
            f"(never the password):\n{link}\n"
        ),
    }


@job("password-reminders", every=dt.timedelta(hours=6))
def password_reminders() -> str:
    """E-mail each account holder once per period, from two weeks before their change is due
    (or as soon as an account has no change recorded)."""
    today = timezone.localdate()
    # Due within the window: the last change is before the cutoff of two weeks from now.
    soon = PasswordChange.objects.filter(
        system_id=OuterRef("system_id"),
        person_id=OuterRef("person_id"),
        changed_on__gte=OuterRef("soon_cutoff"),
    )
    members = Membership.objects.active().filter(
        user_id=OuterRef("person__user_id"), school_id=OuterRef("school_id")
    )
    accounts = (
        rotated_accounts(today)
        .annotate(soon_cutoff=cutoff(today + dt.timedelta(days=REMIND_DAYS)))
        .filter(~Exists(soon), Exists(members))
        .select_related("system", "person__user", "school")
        .order_by("pk")
    )
    queued = 0
    for account in accounts.iterator(chunk_size=500):
        state = account_state(account, today)
        mail = _reminder(account, state, account.school, today)
        key = state["due"].isoformat() if state["due"] else "first"
        message = mail_queue(
            to=account.person.user.email,
            dedupe_key=f"password-change:{account.pk}:{key}",
            school=account.school,
            **mail,
        )
        queued += message is not None
    return f"queued {queued}"
