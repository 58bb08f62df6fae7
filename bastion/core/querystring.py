"""Reading values from a query string that anyone can type: never trusted, never a 500."""

from __future__ import annotations


def text_param(request, name: str, *, max_length: int = 100) -> str:
    """A search or filter text: trimmed, cut to `max_length`, without NUL characters.

    PostgreSQL refuses NUL in a string, so one typed into a URL must not reach a query.
    """
    value = request.GET.get(name, "")
    return value.replace("\x00", "").strip()[:max_length]
