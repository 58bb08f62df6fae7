"""Importing the register from a spreadsheet: upload, choose columns, preview, import."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path

from bastion.assets import imports
from bastion.assets.forms import MappingForm, UploadForm
from bastion.assets.models import AssetImport
from bastion.core.tenancy import get_for_school, school_view
from bastion.lib.forms import posted
from bastion.people.import_files import MAX_BYTES, ImportRefused, too_large

Status = AssetImport.Status


@school_view("assets.import")
def import_start(request):
    school = request.school
    form = UploadForm(posted(request), request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_BYTES:  # refused before a byte of it is read into memory
            errors = [too_large(upload.size)]
        else:
            try:
                job = imports.import_upload(
                    actor=request.user,
                    school=school,
                    filename=upload.name,
                    data=upload.read(),
                    request=request,
                )
            except ImportRefused as refused:
                errors = refused.errors
            else:
                return redirect("asset-import-job", school=school.slug, pk=job.pk)
    context = {"school": school, "form": form, "errors": errors}
    return render(request, "assets/import_start.html", context)


@school_view("assets.import")
def import_job(request, pk):
    school = request.school
    job = get_for_school(AssetImport, school, pk=pk)
    mapping_form = None
    if job.status == Status.UPLOADED:
        try:
            headers = imports.job_table(job).headers
        except ImportRefused as refused:
            job.errors = refused.errors
        else:
            mapping_form = MappingForm(posted(request), headers=headers, mapping=job.mapping)
            if request.method == "POST" and mapping_form.is_valid():
                imports.import_check(job=job, mapping=mapping_form.mapping())
                return redirect("asset-import-job", school=school.slug, pk=job.pk)
    context = {"school": school, "job": job, "mapping_form": mapping_form}
    return render(request, "assets/import_job.html", context)


@school_view("assets.import", methods=("POST",))
def import_confirm(request, pk):
    school = request.school
    job = get_for_school(AssetImport, school, pk=pk)
    if job.status != Status.PLANNED:
        messages.error(request, "This import cannot be started from where it is now.")
        return redirect("asset-import-job", school=school.slug, pk=job.pk)
    try:
        result = imports.import_apply(actor=request.user, job=job, request=request)
    except ImportRefused as refused:
        # The register or the people changed since the preview: show what is wrong now.
        AssetImport.objects.filter(pk=job.pk).update(
            status=Status.UPLOADED, errors=refused.errors, summary={}
        )
        return redirect("asset-import-job", school=school.slug, pk=job.pk)
    messages.success(
        request,
        f"The register is imported: {result['created']} added, {result['updated']} updated, "
        f"{result['unchanged']} unchanged.",
    )
    return redirect("asset-list", school=school.slug)


@school_view("assets.import", methods=("POST",))
def import_back(request, pk):
    """From the preview back to choosing columns."""
    school = request.school
    job = get_for_school(AssetImport, school, pk=pk)
    AssetImport.objects.filter(pk=job.pk, status=Status.PLANNED).update(
        status=Status.UPLOADED, errors=[]
    )
    return redirect("asset-import-job", school=school.slug, pk=job.pk)


urlpatterns = [
    path("assets/import/", import_start, name="asset-import"),
    path("assets/import/<int:pk>/", import_job, name="asset-import-job"),
    path("assets/import/<int:pk>/confirm/", import_confirm, name="asset-import-confirm"),
    path("assets/import/<int:pk>/back/", import_back, name="asset-import-back"),
]
