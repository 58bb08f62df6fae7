"""Plain JSON of kept answers (bastion.lib.plain): read back equal to what was written, and a
value it does not know is refused when written rather than misread later."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils.safestring import SafeString, mark_safe

from bastion.controls.registry import Action, Evidence
from bastion.lib.plain import dump, dumps, keepable, loads


def test_values_come_back_as_they_were():
    evidence = Evidence(
        "attention",
        "2 of 3 laptops encrypted",
        actions=(Action("1 laptop not encrypted", "/s/x/equipment/", 1),),
        value=2 / 3,
        facts={"laptops": 3, "checked_on": dt.date(2026, 3, 1)},
    )
    value = {
        "evidence": evidence,
        "worst": [((0, False, -4, "T3"), {"text": "x"})],
        "by_id": {7: "seven", 8: None},
        "~odd": True,
        "at": dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC),
        "flags": [True, 1.5, "", []],
        "cells": mark_safe('<td class="govuk-table__cell">Met</td>'),
    }
    back = loads(dumps(value))
    assert back == value
    assert isinstance(back["evidence"].actions, tuple)
    assert isinstance(back["worst"][0][0], tuple)
    assert isinstance(back["cells"], SafeString)  # HTML Bastion built stays HTML, not escaped
    assert not isinstance(loads(dumps("<b>typed</b>")), SafeString)


def test_a_value_it_does_not_know_is_refused_when_written():
    class Unknown:
        pass

    with pytest.raises(TypeError, match="cannot be kept"):
        dump({"x": Unknown()})


def test_two_keepable_classes_of_one_name_are_refused():
    @keepable
    @dataclass
    class Twice:
        n: int

    with pytest.raises(TypeError, match="two keepable classes are called Twice"):

        @keepable
        @dataclass
        class Twice:  # the same name again
            n: int
