"""Kept evaluations: each school's controls are evaluated again only when something is recorded
at that school (or the day changes, or a quarter of an hour passes), and the refresh job does
it ahead of the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bastion.controls import status as control_status
from bastion.controls.jobs import controls_refresh
from bastion.controls.models import KeptEvaluation
from bastion.controls.trust_views import matrix_rows
from bastion.core import audit
from bastion.core.models import School, SchoolRevision
from tests.conftest import add_member, make_user


@pytest.fixture
def counted(monkeypatch):
    """The schools `statuses()` was asked to evaluate, call by call."""
    calls: list[list[str]] = []
    real = control_status.statuses

    def spy(schools, today, codes=None):
        calls.append(sorted(s.slug for s in schools))
        return real(schools, today, codes)

    monkeypatch.setattr(control_status, "statuses", spy)
    return calls


def _reused(schools, today=None):
    return control_status.recent_statuses(schools, today or timezone.localdate())


def test_a_schools_revision_moves_with_its_own_events_only(school, other_school, siro):
    before = audit.revisions([school, other_school])
    audit.record("test.changed", actor=siro, school=school)
    after = audit.revisions([school, other_school])
    assert after[school.pk] > before[school.pk]
    assert after[other_school.pk] == before[other_school.pk]


def test_a_members_own_account_event_moves_the_schools_they_belong_to(school, other_school, trust):
    third = School.objects.create(trust=trust, name="Canal Side", slug="canal-side")
    user = make_user("two.schools@example.org")
    add_member(user, school, "staff")
    add_member(user, other_school, "staff")
    before = audit.revisions([school, other_school, third])
    audit.record("mfa.added", actor=user, obj=user)  # no school: an account event
    after = audit.revisions([school, other_school, third])
    assert after[school.pk] > before[school.pk]
    assert after[other_school.pk] > before[other_school.pk]
    assert after[third.pk] == before[third.pk]
    audit.record("auth.login_failed", actor_label="nobody@example.org")
    assert audit.revisions([school, other_school, third]) == after
    assert SchoolRevision.objects.count() == 2


def test_a_school_is_evaluated_again_only_after_something_is_recorded_there(
    school, other_school, siro, counted
):
    first = _reused([school, other_school])
    assert counted == [["ashmole", "brookfield"]]
    again = _reused([school, other_school])
    assert counted == [["ashmole", "brookfield"]]  # nothing new: both kept
    assert again[school.pk]["T16"].status == first[school.pk]["T16"].status
    audit.record("test.changed", actor=siro, school=other_school)
    _reused([school, other_school])
    assert counted[-1] == ["brookfield"]
    _reused([school, other_school], timezone.localdate() + dt.timedelta(days=1))
    assert counted[-1] == ["ashmole", "brookfield"]  # a new day: evaluated afresh


def test_a_kept_evaluation_is_not_used_once_it_expires(school, counted):
    _reused([school])
    KeptEvaluation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    _reused([school])
    assert counted == [["ashmole"], ["ashmole"]]


def test_a_kept_row_not_sealed_by_bastion_is_ignored_not_unpickled(school, counted):
    import pickle

    _reused([school])
    row = KeptEvaluation.objects.get()
    # Written by someone with the database but not the secret key: a pickle that would run
    # code when loaded, behind a made-up seal.
    row.value = b"\0" * 32 + pickle.dumps(print)
    row.save()
    found = _reused([school])
    assert counted == [["ashmole"], ["ashmole"]]
    assert set(found[school.pk]) == set(
        control_status.statuses([school], timezone.localdate())[school.pk]
    )


def test_the_refresh_job_evaluates_the_stale_schools_ahead_of_the_pages(
    school, other_school, siro, counted
):
    assert controls_refresh() == "evaluated 2 schools"
    assert controls_refresh() == "evaluated 0 schools"
    audit.record("test.changed", actor=siro, school=school)
    assert controls_refresh() == "evaluated 1 school"
    assert counted == [["ashmole", "brookfield"], ["ashmole"]]
    # The pages now find both kept: the dashboard's statuses and the trust matrix's rows.
    _reused([school, other_school])
    matrix_rows([school, other_school], timezone.localdate())
    assert len(counted) == 2
    assert KeptEvaluation.objects.count() == 6  # ashmole's earlier revision too, until it expires
    KeptEvaluation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert controls_refresh() == "evaluated 2 schools"
    # Each school's statuses and matrix row kept afresh; the earlier revision's dropped.
    assert KeptEvaluation.objects.count() == 4


def test_the_trust_matrix_after_a_change_at_one_school_evaluates_that_school_alone(
    trust, school, siro, trust_admin, client_for, counted
):
    from bastion.equipment.models import Device

    schools = [school]
    for i in range(3):
        schools.append(School.objects.create(trust=trust, name=f"School {i}", slug=f"school-{i}"))
    client = client_for(trust_admin)
    client.get(f"/trust/{trust.slug}/controls/")
    assert counted == [sorted(s.slug for s in schools)]
    Device.objects.create(school=school, kind="laptop", holds_personal_data=True)
    audit.record("equipment.device_added", actor=siro, school=school)
    response = client.get(f"/trust/{trust.slug}/controls/")
    assert counted[-1] == ["ashmole"]
    # The same matrix as evaluating every school afresh would give.
    kept = {k: response.context[k] for k in ("rows", "gaps", "worst", "counts")}
    KeptEvaluation.objects.all().delete()
    fresh = client.get(f"/trust/{trust.slug}/controls/").context
    assert kept == {k: fresh[k] for k in ("rows", "gaps", "worst", "counts")}
    t3 = next(g for g in kept["gaps"] if g["code"] == "T3")
    assert t3["schools"] == 1
