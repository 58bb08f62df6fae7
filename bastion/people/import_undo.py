"""Undoing an applied roster import, within a day, from what `imports.apply_plan` stored.

People the import added are removed, unless another record already refers to them (an SCR
check, a device, a signature...): those stay, marked as having left, so nothing that points at
them is lost. People it marked as left are current again; fields it updated get their values
from before. Anyone changed after the import (by hand or by a later import) is left as they are
now and named in the result, since undoing would throw that change away.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from bastion.core import audit
from bastion.lib.dates import long_datetime
from bastion.people import scr
from bastion.people.import_files import ImportRefused
from bastion.people.imports import LINK_FIELDS, _chunks
from bastion.people.models import ImportJob, ParentLink, Person, SCREntry

UNDO_WINDOW = dt.timedelta(hours=24)


def undo_refusal(job: ImportJob, now: dt.datetime | None = None) -> str:
    """Why the import cannot be undone now, or "" when it can."""
    now = now or timezone.now()
    if job.status == ImportJob.Status.UNDONE:
        return "This import has already been undone."
    if job.status != ImportJob.Status.DONE:
        return "Only an import that was applied can be undone."
    if job.finished_at is None or now - job.finished_at > UNDO_WINDOW:
        applied = long_datetime(job.finished_at)
        return (
            f"An import can be undone for {UNDO_WINDOW.total_seconds() / 3600:.0f} hours after "
            f"it is applied; this one was applied on {applied}. Change the people by hand, or "
            "import a corrected file."
        )
    if not job.undo:
        return "This import was applied before Bastion kept what undoing it needs."
    return ""


def forget_undo(now: dt.datetime | None = None) -> int:
    """Drop what undoing needs once the day is over: it holds people's details from before."""
    cutoff = (now or timezone.now()) - UNDO_WINDOW
    done = ImportJob.objects.filter(status=ImportJob.Status.DONE, finished_at__lt=cutoff)
    return done.exclude(undo=[]).update(undo=[])


def import_undo(*, actor, school, job: ImportJob, request=None) -> dict:
    """Undo an applied import (see the module's docstring), once, in one transaction, audited;
    returns what was done. Raises ImportRefused, changing nothing, when it cannot be undone."""
    now = timezone.now()
    with transaction.atomic():
        # Claimed by a conditional update: two clicks (or two people) undo it once.
        claimed = ImportJob.objects.filter(
            pk=job.pk,
            school=school,
            status=ImportJob.Status.DONE,
            finished_at__gte=now - UNDO_WINDOW,
        ).update(status=ImportJob.Status.UNDONE, undone_at=now, undone_by=actor)
        job = ImportJob.objects.defer("payload").get(pk=job.pk)
        if claimed and not job.undo:  # raising rolls the claim back
            job.status = ImportJob.Status.DONE
        if not claimed or not job.undo:
            raise ImportRefused([undo_refusal(job, now) or "This import cannot be undone."])
        result: dict[str, list] = {
            "restored": [],
            "returned": [],
            "removed": [],
            "kept": [],
            "skipped": [],
        }
        links = 0
        for record in reversed(job.undo):  # a CTF's contacts before its pupils
            links += _undo_plan(school, record, now, result)
        job.summary = {**job.summary, "undo": {k: [n for _, n in v] for k, v in result.items()}}
        job.save(update_fields=["summary"])
        audit.record(
            "people.import_undone",
            actor=actor,
            school=school,
            obj=job,
            request=request,
            changes={
                "file": job.filename,
                "restored_ids": [pk for pk, _ in result["restored"]],
                "returned_ids": [pk for pk, _ in result["returned"]],
                "removed_ids": [pk for pk, _ in result["removed"]],
                "kept_as_left_ids": [pk for pk, _ in result["kept"]],
                "skipped_ids": [pk for pk, _ in result["skipped"]],
                "links_restored": links,
            },
        )
    return job.summary["undo"]


def _undo_plan(school, record: dict, now: dt.datetime, result: dict) -> int:
    at = parse_datetime(record["at"])
    created = record.get("created", [])
    updated = {int(pk): before for pk, before in record.get("updated", {}).items()}
    left = record.get("left", [])
    people = _locked(school, [*created, *updated, *left])
    later = {pk for pk, p in people.items() if p.updated_at > at}
    result["skipped"] += [(pk, people[pk].full_name) for pk in sorted(later)]
    links = _undo_links(school, record) if record["kind"] == "contacts" else 0

    restored, fields = [], {"updated_at", "search_name"}
    for pk, before in updated.items():
        person = people.get(pk)
        if person is None or pk in later:
            continue
        for name, value in before.items():
            setattr(person, name, Person._meta.get_field(name).to_python(value))
            fields.add(name)
        person.updated_at = now
        person.fold_search_name()
        restored.append(person)
    Person.objects.bulk_update(restored, sorted(fields), batch_size=200)
    result["restored"] += [(p.pk, p.full_name) for p in restored]

    left_on = parse_date(record["left_on"])
    back = [pk for pk in left if pk in people and pk not in later and people[pk].left_on == left_on]
    for chunk in _chunks(back):
        Person.objects.filter(pk__in=chunk).update(left_on=None, updated_at=now)
    result["returned"] += [(pk, people[pk].full_name) for pk in back]

    added = [pk for pk in created if pk in people and pk not in later]
    kept = _referenced(added)
    for chunk in _chunks([pk for pk in added if pk not in kept]):
        Person.objects.filter(pk__in=chunk).delete()
    for chunk in _chunks(sorted(kept)):
        Person.objects.filter(pk__in=chunk).update(left_on=timezone.localdate(), updated_at=now)
    result["removed"] += [(pk, people[pk].full_name) for pk in added if pk not in kept]
    result["kept"] += [(pk, people[pk].full_name) for pk in added if pk in kept]

    if record["kind"] == "staff":
        touched = [p.pk for p in restored] + back + sorted(kept)
        for chunk in _chunks(touched):
            scr.refresh_entries(Person.objects.filter(pk__in=chunk))
    return links


def _locked(school, pks: list[int]) -> dict[int, Person]:
    people: dict[int, Person] = {}
    for chunk in _chunks(sorted(set(pks))):
        rows = Person.objects.select_for_update(no_key=True).filter(school=school, pk__in=chunk)
        people |= {p.pk: p for p in rows.order_by("pk")}
    return people


def _referenced(pks: list[int]) -> set[int]:
    """Which of these people another row refers to. Their SCR entry does not count while it
    holds only what Bastion computed: it goes with them."""
    found: set[int] = set()
    for relation in Person._meta.related_objects:
        name = relation.field.name
        for chunk in _chunks(pks):
            rows = relation.related_model._base_manager.filter(**{f"{name}__in": chunk})
            if relation.related_model is SCREntry:
                rows = rows.exclude(
                    update_service=False,
                    update_service_checked_on__isnull=True,
                    risk_assessment_on__isnull=True,
                    risk_assessment_note="",
                )
            found |= set(rows.values_list(name, flat=True))
    return found


def _undo_links(school, record: dict) -> int:
    """Links back as they were: those the import made go, those it changed or removed return.
    Runs before people are removed, so links the import made do not keep them."""
    created = record.get("links_created", [])
    for chunk in _chunks(created):
        ParentLink.objects.filter(school=school, pk__in=chunk).delete()
    changed = {int(pk): before for pk, before in record.get("links_changed", {}).items()}
    restored = []
    for chunk in _chunks(sorted(changed)):
        for link in ParentLink.objects.filter(school=school, pk__in=chunk):
            for name, value in changed[link.pk].items():
                setattr(link, name, value)
            restored.append(link)
    ParentLink.objects.bulk_update(restored, list(LINK_FIELDS), batch_size=200)
    removed = record.get("links_removed", [])
    ids = sorted({pk for parent, child, *_ in removed for pk in (parent, child)})
    alive, present = set(), set()
    for chunk in _chunks(ids):
        alive |= set(
            Person.objects.filter(school=school, pk__in=chunk).values_list("pk", flat=True)
        )
        present |= set(
            ParentLink.objects.filter(school=school, child_id__in=chunk).values_list(
                "parent_id", "child_id"
            )
        )
    back = [
        ParentLink(
            school=school,
            parent_id=parent,
            child_id=child,
            **dict(zip(LINK_FIELDS, rest, strict=True)),
        )
        for parent, child, *rest in removed
        if {parent, child} <= alive and (parent, child) not in present
    ]
    ParentLink.objects.bulk_create(back, batch_size=500)
    return len(created) + len(restored) + len(back)
