"""Helpers for the import tests: made-up roster files, running an import the way the pages do,
and a fingerprint of the directory to prove a refused file changed nothing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook

from bastion.core.models import AuditEvent
from bastion.people import import_jobs
from bastion.people.imports import ImportRefused
from bastion.people.models import ImportJob, ParentLink, Person, SCREntry

DATA = Path(__file__).parent / "data"

PUPIL_HEADER = ["UPN", "Legal Forename", "Legal Surname", "DOB", "Year", "Reg Group"]


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


def csv_bytes(rows: list[list], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upn(n: int) -> str:
    """A made-up but well-formed UPN: a letter, then 12 digits."""
    return f"Z{n:012d}"


def pupil_rows(count: int, start: int = 1) -> list[list[str]]:
    return [
        [upn(n), f"Pupil{n}", f"Testfamily{n}", "2017-09-01", "3", "3A"]
        for n in range(start, start + count)
    ]


def run_import(school, actor, kind, filename, content, *, mapping=None, mark_leavers=True):
    """Upload, preview and import a file as the pages do, ticking any confirmation the preview
    asks for; returns the job (raises ImportRefused if the upload itself is refused)."""
    job = import_jobs.job_create(
        actor=actor, school=school, kind=kind, filename=filename, data=content
    )
    job = import_jobs.job_plan(job=job, mapping=mapping, mark_leavers=mark_leavers)
    if job.status == ImportJob.Status.PLANNED:
        job = import_jobs.job_start(actor=actor, job=job, understood=True)
    return job


def refusal(school, actor, kind, filename, content, *, mapping=None) -> list[str]:
    """The messages a file is refused with, at upload or at the preview."""
    try:
        job = run_import(school, actor, kind, filename, content, mapping=mapping)
    except ImportRefused as refused:
        return refused.errors
    assert job.status == ImportJob.Status.UPLOADED, f"the file was not refused: {job.summary}"
    return job.errors


def directory_state(school) -> tuple:
    """Everything an import may change, to compare before and after."""
    people = list(
        Person.objects.filter(school=school)
        .order_by("pk")
        .values_list(
            "pk",
            "kind",
            "mis_id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "job_title",
            "contract",
            "started_on",
            "left_on",
            "year_group",
            "class_name",
            "date_of_birth",
            "teaching_role",
        )
    )
    links = list(
        ParentLink.objects.order_by("pk").values_list(
            "parent_id", "child_id", "relationship", "parental_responsibility", "contact_priority"
        )
    )
    entries = list(SCREntry.objects.order_by("pk").values_list("person_id", "missing", "complete"))
    return people, links, entries


def audit_actions(since: int = 0) -> list[str]:
    return list(
        AuditEvent.objects.filter(pk__gt=since).order_by("pk").values_list("action", flat=True)
    )


def last_audit_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
