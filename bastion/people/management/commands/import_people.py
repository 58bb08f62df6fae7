"""Import a roster from the MIS: `import_people --school SLUG --kind staff FILE`.

The same checks as the browser: the file is refused whole, with row-and-column messages, on any
bad row; columns are matched by name (and the school's remembered choices); re-running the same
file changes nothing. --dry-run shows what would change and writes nothing at all.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from bastion.core.models import School
from bastion.core.permissions import can
from bastion.people import import_jobs
from bastion.people.import_files import MAX_BYTES, ImportRefused, too_large
from bastion.people.models import ImportJob


def _counts(summary: dict) -> str:
    return (
        f"{summary['created']} new, {summary['updated']} updated, {summary['left']} marked as "
        f"left, {summary['unchanged']} unchanged, {summary['links']} parent links added or "
        f"changed, {summary['unlinked']} removed"
    )


def _refused(errors: list[str]) -> CommandError:
    return CommandError("The file was refused; nothing was changed:\n  " + "\n  ".join(errors))


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="The school's slug.")
        parser.add_argument("--kind", required=True, choices=sorted(import_jobs.KINDS))
        parser.add_argument("file")
        parser.add_argument(
            "--keep-leavers",
            action="store_true",
            help="Don't mark people missing from the file as having left.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Show what would change.")
        parser.add_argument(
            "--as",
            dest="actor",
            default="",
            help="E-mail of the Bastion user the audit trail names (default: the school's SIRO).",
        )

    def handle(self, *args, school, kind, file, keep_leavers, dry_run, actor, **options):
        target = School.objects.filter(slug=school).first()
        if target is None:
            raise CommandError(f"No school with the slug {school!r}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file at {file}.")
        if path.stat().st_size > MAX_BYTES:
            raise _refused([too_large(path.stat().st_size)])
        data = path.read_bytes()
        mark_leavers = not keep_leavers and kind != "ctf"
        if dry_run:
            try:
                summary = import_jobs.preview(
                    school=target,
                    kind=kind,
                    filename=path.name,
                    data=data,
                    mark_leavers=mark_leavers,
                )
            except ImportRefused as refused:
                raise _refused(refused.errors) from None
            self.stdout.write(_counts(summary))
            self.stdout.write("Dry run: nothing was changed.")
            return
        user = self._actor(target, actor)
        try:
            job = import_jobs.job_create(
                actor=user, school=target, kind=kind, filename=path.name, data=data
            )
        except ImportRefused as refused:
            raise _refused(refused.errors) from None
        job = import_jobs.job_plan(job=job, mark_leavers=mark_leavers)
        if job.status != ImportJob.Status.PLANNED:
            raise _refused(job.errors)
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PLANNED).update(
            status=ImportJob.Status.QUEUED
        )
        import_jobs.job_run(job.pk, actor=user)  # here, whatever the size
        job.refresh_from_db()
        if job.status != ImportJob.Status.DONE:
            raise CommandError(
                "The import failed and nothing was changed:\n  " + "\n  ".join(job.errors)
            )
        self.stdout.write(_counts(job.summary["result"]))
        self.stdout.write("Imported.")

    def _actor(self, school, email: str):
        if email:
            user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
            if user is None:
                raise CommandError(f"No active Bastion user with the e-mail {email}.")
            if not can(user, school, "people.import"):
                raise CommandError(f"{email} may not import people at {school.name}.")
            return user
        # The school's SIRO answers for an unattended import.
        siro = school.memberships.filter(is_siro=True, active=True).select_related("user").first()
        if siro is None:
            raise CommandError("The school has no SIRO: name the user responsible with --as EMAIL.")
        return siro.user
