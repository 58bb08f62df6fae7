"""Form helpers shared by every app's views."""

from __future__ import annotations


def posted(request):
    """The submitted data for a bound form, or None for a GET.

    Not `request.POST or None`: an empty POST is still a submission and must show its errors.
    """
    return request.POST if request.method == "POST" else None
