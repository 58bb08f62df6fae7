"""Views that must never keep a file (a DBS certificate, a passport scan) read past it unread.

Django writes an uploaded file to memory or, past FILE_UPLOAD_MAX_MEMORY_SIZE, to a temporary
file before any view runs. `refuse_uploads` swaps in a handler that drops every chunk as it
arrives, so nothing of the file is written anywhere; the view sees the refused names in
`request.refused_files` and can say so.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.csrf import csrf_exempt, csrf_protect


class DiscardFiles(FileUploadHandler):
    def __init__(self, request: HttpRequest) -> None:
        super().__init__(request)
        self.refused: list[str] = []
        # The view reads the names here (an attribute HttpRequest does not declare).
        request.refused_files = self.refused  # type: ignore[attr-defined]

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        self.refused.append(file_name)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        return None  # dropped, and not passed to any other handler

    def file_complete(self, file_size: int) -> None:
        return None


def refuse_uploads(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Decorate a view so that files sent to it are discarded unread.

    The upload handlers must be set before the body is parsed, and CSRF checking parses it:
    so the outer function is exempt and the view itself is CSRF-protected.
    """
    protected = csrf_protect(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        request.upload_handlers = [DiscardFiles(request)]
        return protected(request, *args, **kwargs)

    return csrf_exempt(wrapper)
