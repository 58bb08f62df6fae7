"""Write a school's E-Security Policy, generated from the live data, as Markdown, HTML, PDF or
DOCX: to --output, or (Markdown and HTML) to standard output."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bastion.core.models import School
from bastion.policy import document
from bastion.policy.formats import FORMATS, document_bytes
from bastion.policy.services import policy_for


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="the school's slug")
        parser.add_argument("--format", default="md", choices=sorted(FORMATS))
        parser.add_argument("--output", help="the file to write (standard output when omitted)")

    def handle(self, *args, school, format, output, **options):
        found = School.objects.filter(slug=school).first()
        if found is None:
            raise CommandError(f"No school has the slug {school!r}.")
        data = document_bytes(document.build(policy_for(found)), format)
        if output:
            Path(output).write_bytes(data)
            self.stdout.write(f"Wrote the policy of {found.name} to {output} ({len(data)} bytes).")
        elif format in ("pdf", "docx"):
            raise CommandError(f"A {format.upper()} file needs --output FILE.")
        else:
            self.stdout.write(data.decode(), ending="")
