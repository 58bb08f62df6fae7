"""The demo's controls: owners, checks, and a term of history for the trend; once only."""

from __future__ import annotations

import datetime as dt

from bastion.controls import trend
from bastion.controls.demo import HISTORY_DAYS, seed_controls
from bastion.controls.models import Attestation, StatusSnapshot
from bastion.controls.status import statuses

TODAY = dt.date(2026, 11, 27)


def test_the_demo_seeds_checks_and_a_term_of_history_once(school, siro, office):
    assert seed_controls(school, today=TODAY) > 0
    assert seed_controls(school, today=TODAY) == 0
    assert Attestation.objects.filter(school=school, code="T16").count() == 2
    assert statuses([school], TODAY, ["T16"])[school.pk]["T16"].status == "met"
    days = StatusSnapshot.objects.filter(school=school).values("day").distinct().count()
    assert days == HISTORY_DAYS
    weeks = trend.weekly(school, TODAY)
    assert all(w.day for w in weeks)
    assert weeks[0].met < weeks[-1].met  # the school got better over the term


def test_the_demo_needs_someone_to_have_made_the_checks(school):
    assert seed_controls(school, today=TODAY) == 0
    assert not StatusSnapshot.objects.exists()
