"""Dates as pages and mails write them, in the GOV.UK style ("7 December 2026")."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def long_date(value: dt.date | dt.datetime | None) -> str:
    """ "7 December 2026"; a date and time is shown on its local day; None is ""."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.day} {value:%B %Y}"
