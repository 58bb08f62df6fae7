"""Roster imports in the browser: upload, choose columns, preview, import, progress."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bastion.core.tenancy import get_for_school, school_view
from bastion.people import import_jobs, import_undo
from bastion.people.forms import ConfirmImportForm, MappingForm, UploadForm
from bastion.people.import_files import MAX_BYTES, ImportRefused, too_large
from bastion.people.models import ImportJob


@school_view("people.import")
def import_start(request):
    school = request.school
    form = UploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_BYTES:  # refused before a byte of it is read into memory
            errors = [too_large(upload.size)]
        else:
            try:
                job = import_jobs.job_create(
                    actor=request.user,
                    school=school,
                    kind=form.cleaned_data["kind"],
                    filename=upload.name,
                    data=upload.read(),
                    request=request,
                )
            except ImportRefused as refused:
                errors = refused.errors
            else:
                if job.kind == "ctf":  # nothing to choose: straight to the preview
                    import_jobs.job_plan(job=job, mark_leavers=False)
                return redirect("people-import-job", school=school.slug, pk=job.pk)
    recent = ImportJob.objects.filter(school=school).select_related("created_by").defer("payload")
    return render(
        request,
        "people/import_start.html",
        {"school": school, "form": form, "errors": errors, "recent": recent[:10]},
    )


def _mapping_form(request, job: ImportJob) -> MappingForm | None:
    """The column choices of an uploaded file, or None (with job.errors set) if it is unreadable."""
    try:
        headers = import_jobs.job_headers(job)
    except ImportRefused as refused:
        job.errors = refused.errors
        return None
    return MappingForm(
        request.POST or None,
        kind=job.kind,
        headers=headers,
        mapping=job.mapping,
        initial={"mark_leavers": job.mark_leavers},
    )


def _context(school, job: ImportJob, **extra) -> dict:
    sentence = import_jobs.confirmation(job.summary) if job.status == "planned" else ""
    undoable = job.status == ImportJob.Status.DONE and not import_undo.undo_refusal(job)
    return {
        "undo_until": job.finished_at + import_undo.UNDO_WINDOW if undoable else None,
        "school": school,
        "job": job,
        "phase": import_jobs.phase(job),
        "kind_label": import_jobs.KINDS.get(job.kind, job.kind),
        "confirm_form": ConfirmImportForm(sentence=sentence) if sentence else None,
        **extra,
    }


@school_view("people.import")
def import_job(request, pk):
    school = request.school
    job = get_for_school(ImportJob.objects.defer("payload"), school, pk=pk)
    context = _context(school, job)
    if request.headers.get("HX-Request"):  # the progress bar polling
        return render(request, "people/import_job.html#progress", context)
    mapping_form = None
    if job.status == ImportJob.Status.UPLOADED and job.kind != "ctf":
        job = ImportJob.objects.get(pk=job.pk)
        mapping_form = _mapping_form(request, job)
        if request.method == "POST" and mapping_form is not None and mapping_form.is_valid():
            import_jobs.job_plan(
                job=job,
                mapping=mapping_form.mapping(),
                mark_leavers=mapping_form.cleaned_data["mark_leavers"],
            )
            return redirect("people-import-job", school=school.slug, pk=job.pk)
    context.update(job=job, mapping_form=mapping_form)
    return render(request, "people/import_job.html", context)


@school_view("people.import")
@require_POST
def import_confirm(request, pk):
    school = request.school
    job = get_for_school(ImportJob, school, pk=pk)
    if job.status != ImportJob.Status.PLANNED:
        messages.error(request, "This import cannot be started from its current state.")
        return redirect("people-import-job", school=school.slug, pk=job.pk)
    sentence = import_jobs.confirmation(job.summary)
    form = ConfirmImportForm(request.POST, sentence=sentence) if sentence else None
    if form is not None and not form.is_valid():
        context = _context(school, job, confirm_form=form)
        return render(request, "people/import_job.html", context)
    try:
        job = import_jobs.job_start(
            actor=request.user, job=job, understood=form is not None, request=request
        )
    except ImportRefused as refused:
        messages.error(request, " ".join(refused.errors))
        return redirect("people-import-job", school=school.slug, pk=job.pk)
    if job.status == ImportJob.Status.DONE:
        messages.success(request, "The import is complete.")
    return redirect("people-import-job", school=school.slug, pk=job.pk)


@school_view("people.import")
@require_POST
def import_back(request, pk):
    """Go back from the preview to choosing columns."""
    school = request.school
    job = get_for_school(ImportJob.objects.defer("payload"), school, pk=pk)
    if job.kind != "ctf":
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PLANNED).update(
            status=ImportJob.Status.UPLOADED, errors=[]
        )
    return redirect("people-import-job", school=school.slug, pk=job.pk)


@school_view("people.import")
@require_POST
def import_undo_view(request, pk):
    """Undo an applied import within a day (bastion.people.import_undo)."""
    school = request.school
    job = get_for_school(ImportJob.objects.defer("payload"), school, pk=pk)
    try:
        import_undo.import_undo(actor=request.user, school=school, job=job, request=request)
    except ImportRefused as refused:
        messages.error(request, " ".join(refused.errors))
    else:
        messages.success(request, "The import is undone.")
    return redirect("people-import-job", school=school.slug, pk=job.pk)
