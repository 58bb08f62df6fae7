"""Store an uploaded file encrypted, read it back, and serve it as an audited download."""

from __future__ import annotations

import hashlib
import logging

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from bastion.core import audit
from bastion.core.models import StoredFile
from bastion.lib import crypto

log = logging.getLogger(__name__)
# The file exists but its content cannot be given back as it stands (409 Conflict): the page
# explains that the administrator must restore the key it was encrypted with.
UNREADABLE_STATUS = 409
MAX_MB = 10
MAX_BYTES = MAX_MB * 1024 * 1024
# What evidence and certificates may be: sniffed from the bytes, not trusted from the name.
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
TOO_LARGE = f"The file is larger than {MAX_MB} MB: upload a smaller scan."
EMPTY = "The file is empty: choose the file again."
WRONG_KIND = "The file is not a PDF, PNG or JPEG: upload a PDF, or a photo or scan as PNG or JPEG."


def sniff(data: bytes) -> tuple[str, str] | None:
    for magic, content_type, extension in SIGNATURES:
        if data.startswith(magic):
            return content_type, extension
    return None


def store(*, school, actor, upload, request=None) -> StoredFile:
    """Check and keep an uploaded file (PDF, PNG or JPEG, up to 10 MB), encrypted.

    Raises ValidationError with a message for the form when the file cannot be kept.
    """
    # The size first: a file over the limit is refused before it is read into memory.
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationError(TOO_LARGE, code="too_large")
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(TOO_LARGE, code="too_large")
    if not data:
        raise ValidationError(EMPTY, code="empty")
    kind = sniff(data)
    if kind is None:
        raise ValidationError(WRONG_KIND, code="wrong_kind")
    name = (upload.name or "upload").replace("\\", "/").rsplit("/", 1)[-1].strip()[:150]
    stored = StoredFile.objects.create(
        school=school,
        name=name or "upload",
        content_type=kind[0],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        ciphertext=crypto.encrypt(data),
        uploaded_by=actor,
    )
    audit.record(
        "file.uploaded",
        actor=actor,
        school=school,
        obj=stored,
        request=request,
        changes={"name": stored.name, "size": len(data), "sha256": stored.sha256},
    )
    return stored


def read(stored: StoredFile) -> bytes:
    """The file's original bytes; ValueError when they no longer match what was uploaded."""
    data = crypto.decrypt(stored.ciphertext)
    if hashlib.sha256(data).hexdigest() != stored.sha256:
        raise ValueError("the stored file does not match its checksum")
    return data


def download(request, stored: StoredFile) -> HttpResponse:
    """The file as an attachment; the download is audited.

    A file that cannot be read back (encrypted with a key this server no longer has, or
    altered) gets a page that says so, not an error: the attempt is audited and logged."""
    school = getattr(request, "school", None)
    school = school if school is not None and school.pk == stored.school_id else stored.school
    try:
        data = read(stored)
    except ValueError as exc:
        log.error("stored file %s cannot be read: %s", stored.pk, exc)
        audit.record(
            "file.unreadable", actor=request.user, school=school, obj=stored, request=request
        )
        return render(
            request, "core/file_unreadable.html", {"stored": stored}, status=UNREADABLE_STATUS
        )
    audit.record("file.downloaded", actor=request.user, school=school, obj=stored, request=request)
    response = HttpResponse(data, content_type=stored.content_type)
    # RFC 6266: an ASCII fallback name, and the real one (any script) as filename*.
    response["Content-Disposition"] = content_disposition_header(True, stored.name)
    response["Content-Length"] = str(len(data))
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
