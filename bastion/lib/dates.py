"""Dates as pages and mails write them, in the GOV.UK style ("7 December 2026").

Templates use the same shapes: `date:"j F Y"` and `date:"j F Y \\a\\t H:i"`.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def long_date(value: dt.date | dt.datetime | None) -> str:
    """ "7 December 2026"; a date and time is shown on its local day; None is ""."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = _local(value)
    return f"{value.day} {value:%B %Y}"


def long_datetime(value: dt.datetime | None) -> str:
    """ "7 December 2026 at 14:05", in local time; None is ""."""
    if value is None:
        return ""
    value = _local(value)
    return f"{long_date(value)} at {value:%H:%M}"
