"""Views that must never keep a file (a DBS certificate, a passport scan) read past it unread.

Django writes an uploaded file to memory or, past FILE_UPLOAD_MAX_MEMORY_SIZE, to a temporary
file before any view runs. `refuse_uploads` swaps in a handler that drops every chunk as it
arrives, so nothing of the file is written anywhere; the view sees the refused names in
`request.refused_files` and can say so.
"""

from __future__ import annotations

from functools import wraps

from django.core.files.uploadhandler import FileUploadHandler
from django.views.decorators.csrf import csrf_exempt, csrf_protect


class DiscardFiles(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        request.refused_files = []

    def new_file(self, field_name, file_name, *args, **kwargs):
        self.request.refused_files.append(file_name)

    def receive_data_chunk(self, raw_data, start):
        return None  # dropped, and not passed to any other handler

    def file_complete(self, file_size):
        return None


def refuse_uploads(view):
    """Decorate a view so that files sent to it are discarded unread.

    The upload handlers must be set before the body is parsed, and CSRF checking parses it:
    so the outer function is exempt and the view itself is CSRF-protected.
    """
    protected = csrf_protect(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.upload_handlers = [DiscardFiles(request)]
        return protected(request, *args, **kwargs)

    return csrf_exempt(wrapper)
