"""Writes to the people directory and the Single Central Record; each one audited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from bastion.core import audit
from bastion.lib.db import retry_conflicts
from bastion.people import scr
from bastion.people.models import Check, ParentLink, PeopleSettings, Person, SCRCheck, SCREntry

PERSON_FIELDS = (
    "kind",
    "mis_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "job_title",
    "contract",
    "agency_name",
    "started_on",
    "regulated_activity",
    "teaching_role",
    "management_role",
    "lived_overseas",
    "qualifications_required",
    "year_group",
    "class_name",
    "date_of_birth",
    "left_on",
)
CHECK_FIELDS = ("state", "done_on", "checked_by", "reference", "note")
ENTRY_FIELDS = [
    "update_service",
    "update_service_checked_on",
    "risk_assessment_on",
    "risk_assessment_note",
]
SETTINGS_FIELDS = ["dbs_recheck_years"]


def person_create(*, actor, school, data: dict, request=None) -> Person:
    person = Person(school=school, **{k: v for k, v in data.items() if k in PERSON_FIELDS})
    person.full_clean()
    with transaction.atomic():
        person.save()
        scr.refresh_entry(person)
        audit.record(
            "person.created",
            actor=actor,
            school=school,
            obj=person,
            request=request,
            changes=audit.diff({}, audit.snapshot(person, PERSON_FIELDS)),
        )
    return person


def person_update(*, actor, school, person: Person, data: dict, request=None) -> Person:
    before = audit.snapshot(person, PERSON_FIELDS)
    for name, value in data.items():
        if name in PERSON_FIELDS:
            setattr(person, name, value)
    person.full_clean()
    changes = audit.diff(before, audit.snapshot(person, PERSON_FIELDS))
    if not changes:
        return person
    with transaction.atomic():
        person.save()
        scr.refresh_entry(person)
        audit.record(
            "person.updated",
            actor=actor,
            school=school,
            obj=person,
            request=request,
            changes=changes,
        )
    return person


def person_leave(*, actor, school, person: Person, left_on: dt.date, request=None) -> Person:
    """Archive a leaver: they drop out of current lists; nothing about them is deleted."""
    return person_update(
        actor=actor, school=school, person=person, data={"left_on": left_on}, request=request
    )


@retry_conflicts
def scr_check_record(
    *, actor, school, person: Person, check: str, data: dict, request=None
) -> SCRCheck:
    """Record (or correct) one check on a person's SCR entry: the facts, never a copy."""
    if check not in Check.values:
        raise ValueError(f"unknown check {check!r}")
    with transaction.atomic():
        item, created = SCRCheck.objects.select_for_update(no_key=True).get_or_create(
            person=person,
            check_type=check,
            defaults={"school": school, "state": SCRCheck.State.ACTION_NEEDED},
        )
        before = {} if created else audit.snapshot(item, CHECK_FIELDS)
        for name in CHECK_FIELDS:
            if name in data:
                setattr(item, name, data[name])
        if item.state == SCRCheck.State.ACTION_NEEDED:
            item.done_on = None
        item.recorded_by = actor
        item.full_clean(exclude=["person", "school", "recorded_by"])
        item.save()
        scr.refresh_entry(person)
        changes = audit.diff(before, audit.snapshot(item, CHECK_FIELDS))
        if changes:
            audit.record(
                "scr.check_recorded",
                actor=actor,
                school=school,
                obj=person,
                request=request,
                changes={"check": check, **changes},
            )
    return item


@retry_conflicts
def scr_entry_update(*, actor, school, person: Person, data: dict, request=None) -> SCREntry:
    """The DBS Update Service and the risk assessment for starting before the DBS arrived."""
    with transaction.atomic():
        entry, _ = SCREntry.objects.select_for_update(no_key=True).get_or_create(
            person=person, defaults={"school": school}
        )
        before = audit.snapshot(entry, ENTRY_FIELDS)
        for name in ENTRY_FIELDS:
            if name in data:
                setattr(entry, name, data[name])
        entry.save(update_fields=ENTRY_FIELDS)
        scr.refresh_entry(person)
        changes = audit.diff(before, audit.snapshot(entry, ENTRY_FIELDS))
        if changes:
            audit.record(
                "scr.entry_updated",
                actor=actor,
                school=school,
                obj=person,
                request=request,
                changes=changes,
            )
    entry.refresh_from_db()
    return entry


@retry_conflicts
def scr_settings_update(*, actor, school, data: dict, request=None) -> PeopleSettings:
    """The school's DBS re-check period (None: no re-check)."""
    with transaction.atomic():
        row, _ = PeopleSettings.objects.select_for_update(no_key=True).get_or_create(school=school)
        before = audit.snapshot(row, SETTINGS_FIELDS)
        for name in SETTINGS_FIELDS:
            if name in data:
                setattr(row, name, data[name])
        changes = audit.diff(before, audit.snapshot(row, SETTINGS_FIELDS))
        if changes:
            row.save(update_fields=SETTINGS_FIELDS)
            audit.record(
                "scr.settings_changed",
                actor=actor,
                school=school,
                request=request,
                object_repr=f"SCR settings of {school.name}",
                changes=changes,
            )
    return row


def parent_link(*, actor, school, parent: Person, child: Person, data: dict, request=None):
    with transaction.atomic():
        link, created = ParentLink.objects.update_or_create(
            parent=parent, child=child, defaults={"school": school, **data}
        )
        audit.record(
            "person.parent_linked" if created else "person.parent_link_updated",
            actor=actor,
            school=school,
            obj=child,
            request=request,
            changes={"parent": str(parent.pk), **{k: str(v) for k, v in data.items()}},
        )
    return link
