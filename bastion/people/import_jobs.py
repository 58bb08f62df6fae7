"""Import jobs: upload, choose columns, preview, import — inside the request when small, by the
background worker when large (with progress), always all-or-nothing.

The preview's counts are what the import does: the worker plans the file again and, if the
directory changed in between so the counts differ, shows the new preview instead of importing.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from bastion.core import audit
from bastion.core.models import ROLES
from bastion.lib import crypto
from bastion.people import ctf, import_undo, imports
from bastion.people.import_files import ENCODINGS, MAX_BYTES, ImportRefused, too_large
from bastion.people.models import ImportJob

log = logging.getLogger(__name__)

INLINE_ROWS = 2000  # files with more rows are imported by the background worker
SAMPLE = 20
# Marking more people than this as left (or anyone with a privileged role) needs a tick.
CONFIRM_LEAVERS_ABOVE = 3
CLAIM_TIMEOUT = dt.timedelta(minutes=30)
KEEP_UNFINISHED = dt.timedelta(days=7)  # an upload nobody imported is forgotten after this
KINDS = {
    "staff": "Staff",
    "pupils": "Pupils",
    "contacts": "Parents and carers",
    "ctf": "Common Transfer File (pupils and contacts)",
}
COUNTS = ("created", "updated", "left", "unchanged", "links", "unlinked")
CHANGED = (
    "The directory changed since this preview was made, so the import would not do what it "
    "showed. Check the new preview and import again."
)


def _read(job: ImportJob, data: bytes | None = None):
    if data is None:
        try:
            data = crypto.decrypt(job.payload)
        except ValueError:
            raise ImportRefused(
                ["The uploaded file can no longer be read: upload it again."]
            ) from None
    if job.kind == "ctf":
        return ctf.read_ctf(data)
    return imports.read_table(data, job.filename)


def job_create(*, actor, school, kind: str, filename: str, data: bytes, request=None) -> ImportJob:
    """Check the file can be read at all, then keep it (encrypted) for the next steps."""
    if kind not in KINDS:
        raise ImportRefused(["Choose what the file holds: staff, pupils, contacts or a CTF."])
    if len(data) > MAX_BYTES:
        raise ImportRefused([too_large(len(data))])
    if kind == "ctf" and not filename.lower().endswith(".xml"):
        raise ImportRefused(["A Common Transfer File is an .xml file."])
    filename = filename.replace("\\", "/").rsplit("/", 1)[-1][:200] or "upload"
    job = ImportJob(
        school=school,
        kind=kind,
        filename=filename,
        digest=imports.file_digest(data),
        created_by=actor,
    )
    table = _read(job, data)  # raises ImportRefused with the reasons
    if kind != "ctf":
        remembered = imports.remembered_mapping(school, kind)
        job.mapping = imports.guess_mapping(kind, table.headers, remembered)
    job.payload = crypto.encrypt(data)
    with transaction.atomic():
        job.save()
        audit.record(
            "people.import_uploaded",
            actor=actor,
            school=school,
            obj=job,
            request=request,
            changes={"kind": kind, "file": filename, "sha256": job.digest},
        )
    return job


def job_headers(job: ImportJob) -> list[str]:
    return [] if job.kind == "ctf" else _read(job).headers


def _plans(job: ImportJob, data: bytes | None = None, progress=None) -> list[imports.Plan]:
    """Parse and plan the whole file (read-only); raises ImportRefused listing every problem."""
    if job.kind != "ctf":
        table = _read(job, data)
        parsed = imports.parse_rows(job.kind, table, job.mapping, progress=progress)
        plan = imports.plan_import(job.school, job.kind, parsed, mark_leavers=job.mark_leavers)
        plan.encoding = table.encoding
        return [plan]
    pupils_table, contacts_table = _read(job, data)
    errors, parsed = [], {}
    for kind, table in (("pupils", pupils_table), ("contacts", contacts_table)):
        try:
            parsed[kind] = imports.parse_rows(kind, table, ctf.mapping(kind))
        except ImportRefused as refused:
            errors += refused.errors
    if errors:
        raise ImportRefused(errors)
    # A CTF brings pupils who may be new: their contacts are planned against them, so the
    # preview counts the parents and links the import will create.
    pupils = imports.plan_import(job.school, "pupils", parsed["pupils"], mark_leavers=False)
    plans = [pupils]
    if parsed["contacts"]:
        new_upns = {values["mis_id"] for values in pupils.creates}
        plans.append(
            imports.plan_import(
                job.school, "contacts", parsed["contacts"], mark_leavers=False, new_pupils=new_upns
            )
        )
    return plans


def _summary(plans: list[imports.Plan]) -> dict:
    summary: dict = dict.fromkeys(COUNTS, 0)
    samples: dict[str, list[dict]] = {"created": [], "updated": [], "left": []}
    accounts: list[dict] = []
    rows = 0
    for plan in plans:
        rows += plan.rows
        for name, count in plan.counts().items():
            summary[name] += count
        samples["created"] += [
            {
                "name": f"{v.get('first_name', '')} {v.get('last_name', '')}".strip(),
                "email": v.get("email", ""),
            }
            for v in plan.creates[:SAMPLE]
        ]
        samples["updated"] += [
            {"name": u.name, "email": u.email, "changes": ", ".join(sorted(u.changes))}
            for u in plan.updates[:SAMPLE]
        ]
        samples["left"] += [
            {"name": plan.names.get(pk, str(pk)), "email": plan.emails.get(pk, "")}
            for pk in plan.leavers[:SAMPLE]
        ]
        # Every leaver who signs in to Bastion, not a sample: these are the ones to check.
        accounts += [
            {"name": plan.names[pk], "email": plan.emails.get(pk, ""), "roles": roles}
            for pk, roles in plan.accounts.items()
        ]
    encoding = ENCODINGS.get(plans[0].encoding, "") if plans else ""
    held = {role for account in accounts for role in account["roles"]}
    return {
        **summary,
        "rows": rows,
        "samples": {k: v[:SAMPLE] for k, v in samples.items()},
        "encoding": encoding,
        "legacy_encoding": bool(plans and plans[0].encoding == "cp1252"),
        "left_accounts": sorted(accounts, key=lambda a: (not a["roles"], a["name"])),
        "left_roles": [label for _, label in ROLES if label in held],
    }


def confirmation(summary: dict) -> str:
    """The sentence to tick before importing, or "" when the import needs none: when more than
    a few people would be marked as left, or anyone holding a privileged role."""
    left, roles = summary.get("left", 0), summary.get("left_roles", [])
    if left <= CONFIRM_LEAVERS_ABOVE and not roles:
        return ""
    people = f"{left} {'person' if left == 1 else 'people'}"
    including = ""
    if roles:
        named = [f"the {role}" for role in roles]
        including = (
            ", including "
            + (named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}")
            + ","
        )
    return f"I understand {people}{including} will be marked as having left"


def _counts(summary: dict) -> dict:
    """What an import must still do to be the one previewed: the counts, and who with an
    account would be marked as left (the same number of leavers may be other people)."""
    return {k: summary.get(k, 0) for k in COUNTS} | {
        "left_accounts": summary.get("left_accounts", [])
    }


def preview(*, school, kind: str, filename: str, data: bytes, mark_leavers: bool = False) -> dict:
    """What importing the file would do, writing nothing at all (not even the upload)."""
    if kind not in KINDS:
        raise ImportRefused(["Choose what the file holds: staff, pupils, contacts or a CTF."])
    job = ImportJob(school=school, kind=kind, filename=filename, mark_leavers=mark_leavers)
    if kind != "ctf":
        table = _read(job, data)
        remembered = imports.remembered_mapping(school, kind)
        job.mapping = imports.guess_mapping(kind, table.headers, remembered)
    return _summary(_plans(job, data))


def job_plan(
    *, job: ImportJob, mapping: dict | None = None, mark_leavers: bool = False
) -> ImportJob:
    """Preview: work out what the import would do, or record why it cannot be done."""
    if mapping is not None:
        job.mapping = {k: v for k, v in mapping.items() if v}
    job.mark_leavers = mark_leavers and job.kind != "ctf"
    if mapping is not None and job.kind != "ctf":
        # Remembered even when the file is refused: the fixed file comes back with the same
        # columns, and choosing them all again is how a wrong one slips in.
        imports.remember_mapping(job.school, job.kind, job.mapping)
    try:
        plans = _plans(job)
    except ImportRefused as refused:
        job.errors = refused.errors
        job.status = ImportJob.Status.UPLOADED
        job.summary = {}
    else:
        job.errors = []
        job.summary = _summary(plans)
        job.status = ImportJob.Status.PLANNED
    job.save(update_fields=["mapping", "mark_leavers", "errors", "summary", "status"])
    return job


def job_start(*, actor, job: ImportJob, understood: bool = False, request=None) -> ImportJob:
    """Import a previewed job now if it is small, or queue it for the background worker.
    `understood`: the person ticked the confirmation the preview asked for (see
    `confirmation`); without it such an import is refused and nothing changes."""
    sentence = confirmation(job.summary)
    if sentence and not understood:
        raise ImportRefused([f"Tick “{sentence}” to import, or choose other options."])
    rows = job.summary.get("rows", 0)
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PLANNED).update(
        status=ImportJob.Status.QUEUED, done=0, total=2 * rows, errors=[]
    )
    if claimed and rows <= INLINE_ROWS:
        job_run(job.pk, actor=actor, request=request)
    job.refresh_from_db()
    return job


def phase(job: ImportJob) -> str:
    """Where a queued or running job is, in words (the bar's first half is checking the file,
    the second writing it: the write is one transaction, so it shows only when it is done)."""
    if job.status == ImportJob.Status.QUEUED:
        return "Waiting to start"
    if job.total and job.done * 2 >= job.total:
        return "Writing to the directory"
    return "Checking the file"


def _progress(pk: int):
    def report(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=pk).update(done=done, total=2 * total)

    return report


def _finish(pk: int, status: str, **fields) -> None:
    ImportJob.objects.filter(pk=pk).update(
        status=status, finished_at=timezone.now(), payload=b"", **fields
    )


def _claim(pk: int) -> bool:
    """Take a queued job, or one whose worker died, with a conditional update: never twice."""
    now = timezone.now()
    return bool(
        ImportJob.objects.filter(pk=pk, status=ImportJob.Status.QUEUED).update(
            status=ImportJob.Status.RUNNING, claimed_at=now
        )
        or ImportJob.objects.filter(
            pk=pk, status=ImportJob.Status.RUNNING, claimed_at__lt=now - CLAIM_TIMEOUT
        ).update(claimed_at=now)
    )


def job_run(pk: int, *, actor=None, request=None) -> bool:
    """Run one queued job; True when it ran (whatever the outcome)."""
    if not _claim(pk):
        return False
    job = ImportJob.objects.select_related("school", "created_by").get(pk=pk)
    actor = actor or job.created_by
    try:
        plans = _plans(job, progress=_progress(pk))
        summary = _summary(plans)
        if _counts(summary) != _counts(job.summary):
            ImportJob.objects.filter(pk=pk).update(
                status=ImportJob.Status.PLANNED, summary=summary, errors=[CHANGED], done=0
            )
            return True
        ImportJob.objects.filter(pk=pk).update(done=summary["rows"], total=2 * summary["rows"])
        counts = dict.fromkeys(COUNTS, 0)
        undo = []
        with transaction.atomic():
            for plan in plans:
                result, record = imports.apply_plan(
                    actor=actor,
                    school=job.school,
                    plan=plan,
                    source=job.filename,
                    digest=job.digest,
                    request=request,
                )
                counts = {k: counts[k] + result.get(k, 0) for k in COUNTS}
                undo.append(record)
            # In the same transaction as the writes, so an applied import always has what
            # undoing it needs.
            _finish(
                pk,
                ImportJob.Status.DONE,
                summary={**job.summary, "result": counts},
                undo=undo,
                done=2 * summary["rows"],
                total=2 * summary["rows"],
            )
    except ImportRefused as refused:
        _finish(pk, ImportJob.Status.FAILED, errors=refused.errors)
        return True
    except Exception:
        log.exception("people import %s failed", pk)
        _finish(
            pk,
            ImportJob.Status.FAILED,
            errors=[
                "The import stopped on an unexpected error; nothing was changed. "
                "Try again, and tell your administrator if it happens again."
            ],
        )
        return True
    return True


def run_queued(limit: int = 5) -> int:
    """Run up to `limit` waiting jobs (and any whose worker died); forget stale uploads."""
    stale = timezone.now() - CLAIM_TIMEOUT
    pks = list(
        ImportJob.objects.filter(status=ImportJob.Status.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    ) + list(
        ImportJob.objects.filter(status=ImportJob.Status.RUNNING, claimed_at__lt=stale)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    ran = sum(job_run(pk) for pk in pks)
    forget_unfinished()
    import_undo.forget_undo()
    return ran


def forget_unfinished(now: dt.datetime | None = None) -> int:
    """Drop the files of uploads left unimported for a week: they hold personal data."""
    cutoff = (now or timezone.now()) - KEEP_UNFINISHED
    return (
        ImportJob.objects.filter(
            created_at__lt=cutoff,
            status__in=[ImportJob.Status.UPLOADED, ImportJob.Status.PLANNED],
        )
        .exclude(payload=b"")
        .update(
            payload=b"",
            status=ImportJob.Status.FAILED,
            finished_at=timezone.now(),
            errors=["Not imported within a week, so the file was deleted. Upload it again."],
        )
    )
