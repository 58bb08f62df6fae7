"""The shared text helpers: GOV.UK long dates and counted words."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from bastion.lib.dates import long_date, long_datetime
from bastion.lib.text import plural

LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_a_count_of_one_is_singular_and_any_other_count_plural():
    assert plural(1, "lockable place") == "1 lockable place"
    assert plural(2, "lockable place") == "2 lockable places"
    assert plural(0, "device") == "0 devices"


def test_a_word_that_does_not_just_take_an_s_gives_its_plural():
    assert plural(1, "person", "people") == "1 person"
    assert plural(3, "person", "people") == "3 people"


def test_a_date_is_written_in_full_without_a_leading_zero():
    assert long_date(dt.date(2026, 12, 7)) == "7 December 2026"
    assert long_date(None) == ""


def test_a_date_and_time_is_shown_on_its_local_day():
    # 23:30 UTC on 30 June is already 1 July in London (BST).
    late = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)
    assert long_date(late) == "1 July 2026"
    assert long_datetime(late) == "1 July 2026 at 00:30"
    assert (
        long_datetime(dt.datetime(2026, 12, 7, 9, 5, tzinfo=LONDON)) == "7 December 2026 at 09:05"
    )
    assert long_datetime(None) == ""
