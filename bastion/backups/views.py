"""The operator's view of Bastion's own backups, and one school's export (for the operator, or
a trust's central team for its schools)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from bastion.backups import register, services
from bastion.backups.forms import SchoolExportForm
from bastion.backups.models import BackupRecord
from bastion.core.models import School
from bastion.core.tenancy import operator_view, trust_view
from bastion.lib.forms import posted


@operator_view()
def operator_backups(request):
    context = register.overview()
    context["form"] = SchoolExportForm(schools=School.objects.order_by("name"))
    return render(request, "backups/operator_backups.html", context)


def _export(request, schools, template: str, context: dict):
    form = SchoolExportForm(posted(request), schools=schools)
    if request.method == "POST" and form.is_valid():
        school = form.cleaned_data["school"]
        folder = Path(tempfile.mkdtemp(prefix="bastion-export-"))
        path = folder / "export"
        record = services.backup_write(
            path=path,
            trigger=BackupRecord.Trigger.CONSOLE,
            actor=request.user,
            school=school,
            passphrase=form.cleaned_data["passphrase"],
        )
        if not record.ok:
            path.unlink(missing_ok=True)
            folder.rmdir()
            messages.error(request, f"The export of {school} failed: {record.message}")
            return redirect(request.path)
        handle = open(path, "rb")  # noqa: SIM115  (closed by the response once sent)
        path.unlink()  # the open handle keeps it until the download ends; nothing stays on disk
        folder.rmdir()
        name = services.export_name(school, record.started_at)
        return FileResponse(handle, as_attachment=True, filename=name)
    return render(request, template, {**context, "form": form})


@sensitive_post_parameters("passphrase", "passphrase_again")
@operator_view(methods=("GET", "HEAD", "POST"))
def operator_export(request):
    return _export(request, School.objects.order_by("name"), "backups/operator_export.html", {})


@sensitive_post_parameters("passphrase", "passphrase_again")
@trust_view(methods=("GET", "HEAD", "POST"))
def trust_export(request):
    trust = request.trust
    schools = School.objects.filter(trust=trust).order_by("name")
    return _export(request, schools, "backups/trust_export.html", {"trust": trust})
