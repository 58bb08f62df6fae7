"""Kept evaluations: a school's controls are evaluated again only when a change is recorded at
that school (or the day changes, or a quarter of an hour passes), and the refresh job does it
ahead of the pages, not the request that made the change."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from bastion.controls import registry
from bastion.controls import status as control_status
from bastion.controls.jobs import controls_refresh
from bastion.controls.kept import REUSE_SECONDS, reuse_each
from bastion.controls.models import KeptEvaluation
from bastion.controls.trust_views import matrix_rows
from bastion.core import audit
from bastion.core.generations import READS, generations
from bastion.core.models import School
from bastion.equipment.models import Device, Location
from tests.conftest import add_member, make_user


@pytest.fixture(autouse=True)
def _midday(time_machine):
    # Away from midnight: a quarter of an hour later must be the same day.
    time_machine.move_to(dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC))


@pytest.fixture
def counted(monkeypatch):
    """The parts evaluated, call by call: (code, [school slugs])."""
    calls: list[tuple[str, list[str]]] = []
    real = control_status._evaluate_part

    def spy(part, today, schools):
        calls.append((part.code, sorted(s.slug for s in schools)))
        return real(part, today, schools)

    monkeypatch.setattr(control_status, "_evaluate_part", spy)
    return calls


def _codes(calls) -> set[str]:
    return {code for code, _ in calls}


def _reused(schools, today=None):
    return control_status.recent_statuses(schools, today or timezone.localdate())


def _same(kept, fresh) -> None:
    """Kept statuses tell what evaluating afresh tells."""
    for pk, controls in fresh.items():
        for code, control in controls.items():
            mine = kept[pk][code]
            assert (mine.status, mine.actions, mine.reason) == (
                control.status,
                control.actions,
                control.reason,
            ), code


def _laptop(school, siro):
    """A real change to the equipment register, recorded as the services record it."""
    device = Device.objects.create(school=school, kind="laptop", holds_personal_data=True)
    audit.record("device.created", actor=siro, school=school, obj=device)
    return device


def test_a_change_moves_its_schools_generation_and_a_look_moves_nothing(school, other_school, siro):
    before = generations([school, other_school])
    _laptop(school, siro)
    after = generations([school, other_school])
    assert after == {school.pk: before[school.pk] + 1, other_school.pk: before[other_school.pk]}
    for action in ("incident.log_viewed", "scr.exported", "file.downloaded"):
        assert action in READS
        audit.record(action, actor=siro, school=school)
    assert generations([school, other_school]) == after
    Location.objects.create(school=school, name="Office safe", lockable=True)
    audit.record("location.created", actor=siro, school=school)
    assert generations([school])[school.pk] == after[school.pk] + 1


def test_every_look_that_moves_nothing_is_an_action_bastion_records():
    """A name in READS that no code records (a typo, a renamed action) would hide nothing."""
    from pathlib import Path

    import bastion

    source = "\n".join(
        p.read_text()
        for p in Path(bastion.__file__).parent.rglob("*.py")
        if "migrations" not in p.parts
    )
    generations_module = Path(bastion.__file__).parent / "core" / "generations.py"
    source = source.replace(generations_module.read_text(), "")
    assert [a for a in sorted(READS) if f'"{a}"' not in source] == []


def test_a_members_own_account_event_moves_the_schools_they_belong_to(school, other_school, trust):
    third = School.objects.create(trust=trust, name="Canal Side", slug="canal-side")
    user = make_user("two.schools@example.org")
    add_member(user, school, "staff")
    add_member(user, other_school, "staff")
    before = generations([school, other_school, third])
    audit.record("mfa.added", actor=user, obj=user)  # no school: an account event
    found = generations([school, other_school, third])
    assert found[school.pk] == before[school.pk] + 1
    assert found[other_school.pk] == before[other_school.pk] + 1
    assert found[third.pk] == before[third.pk]
    audit.record("auth.login_failed", actor_label="nobody@example.org")
    assert generations([school, other_school, third]) == found


def test_after_a_change_at_one_school_its_controls_are_evaluated_again_and_no_others(
    school, other_school, siro, counted, all_evaluators
):
    first = _reused([school, other_school])
    assert all(slugs == ["ashmole", "brookfield"] for _, slugs in counted)
    assert _codes(counted) == set(registry.COMPUTED)
    counted.clear()
    _reused([school, other_school])
    assert counted == []  # nothing new: every part kept
    _laptop(school, siro)
    found = _reused([school, other_school])
    assert all(slugs == ["ashmole"] for _, slugs in counted)
    assert _codes(counted) == set(registry.COMPUTED)
    assert found[school.pk]["T3"].status != first[school.pk]["T3"].status
    _same(found, control_status.statuses([school, other_school], timezone.localdate()))


def test_a_kept_answer_equals_a_fresh_one_read_back_from_plain_json(
    school, other_school, siro, all_evaluators
):
    _laptop(school, siro)  # something to say: an unencrypted laptop
    computed = _reused([school, other_school])
    kept = _reused([school, other_school])  # read back
    _same(kept, computed)
    for pk in computed:
        for code, control in computed[pk].items():
            assert kept[pk][code].parts == control.parts, code
            assert kept[pk][code].attestation == control.attestation, code
    row = KeptEvaluation.objects.get(key__startswith=f"statuses:{school.pk}:")
    assert json.loads(row.value)["generation"] == generations([school])[school.pk]


def test_a_new_day_or_a_quarter_of_an_hour_evaluates_afresh(school, counted):
    today = timezone.localdate()
    _reused([school], today)
    n = len(counted)
    _reused([school], today + dt.timedelta(days=1))
    assert len(counted) == 2 * n  # a new day: every part again
    row = KeptEvaluation.objects.get(key__contains=str(today))
    KeptEvaluation.objects.filter(pk=row.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    _reused([school], today)
    assert len(counted) == 3 * n


@pytest.mark.parametrize(
    "value",
    [
        "not JSON at all",
        '{"generation": 0}',
        # An answer kept by an earlier release, whose evidence had another field.
        '{"generation": 0, "parts": {"plans": {"~Evidence": {"grade": "A"}}}}',
    ],
)
def test_a_kept_row_that_cannot_be_read_back_is_evaluated_again(school, counted, value):
    _reused([school])
    n = len(counted)
    KeptEvaluation.objects.update(value=value)
    found = _reused([school])
    assert len(counted) == 2 * n
    _same(found, control_status.statuses([school], timezone.localdate()))


def test_a_shared_helper_runs_once_per_pass(school):
    calls = []

    @registry.shared
    def helper(schools):
        calls.append(1)
        return {s.pk: Device.objects.filter(school__in=schools).count() for s in schools}

    with registry.evaluation_pass():
        helper([school])
        helper([school])
        helper([school, school])  # other schools: its own answer
    assert len(calls) == 2
    helper([school])  # outside a pass: computed each time
    assert len(calls) == 3


def test_the_refresh_job_evaluates_the_stale_schools_ahead_of_the_pages(
    school, other_school, siro, counted
):
    assert controls_refresh() == "evaluated 2 schools"
    assert controls_refresh() == "evaluated 0 schools"
    _laptop(school, siro)
    counted.clear()
    assert controls_refresh() == "evaluated 1 school"
    assert {tuple(slugs) for _, slugs in counted} == {("ashmole",)}
    counted.clear()
    # The pages now find both kept: the dashboard's statuses and the trust matrix's rows.
    _reused([school, other_school])
    matrix_rows([school, other_school], timezone.localdate())
    assert counted == []
    assert KeptEvaluation.objects.count() == 6  # statuses, matrix row, agreement counts
    KeptEvaluation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert controls_refresh() == "evaluated 2 schools"
    assert KeptEvaluation.objects.count() == 6


def test_the_trust_matrix_after_a_change_at_one_school_evaluates_that_school_alone(
    trust, school, siro, trust_admin, client_for, counted, all_evaluators
):
    schools = [school]
    for i in range(3):
        schools.append(School.objects.create(trust=trust, name=f"School {i}", slug=f"school-{i}"))
    client = client_for(trust_admin)
    client.get(f"/trust/{trust.slug}/controls/")
    assert {tuple(slugs) for _, slugs in counted} == {tuple(sorted(s.slug for s in schools))}
    counted.clear()
    _laptop(school, siro)
    response = client.get(f"/trust/{trust.slug}/controls/")
    assert {tuple(slugs) for _, slugs in counted} == {("ashmole",)}
    # The same matrix as evaluating every school afresh would give.
    # Read back from what was kept, the cells are still HTML, not escaped text.
    page = response.content.decode()
    assert '<strong class="govuk-tag govuk-tag--' in page and "&lt;td" not in page
    kept = {k: response.context[k] for k in ("rows", "gaps", "worst", "counts")}
    KeptEvaluation.objects.all().delete()
    fresh = client.get(f"/trust/{trust.slug}/controls/").context
    assert kept == {k: fresh[k] for k in ("rows", "gaps", "worst", "counts")}
    t3 = next(g for g in kept["gaps"] if g["code"] == "T3")
    assert t3["schools"] == 1


def test_an_answer_kept_inside_another_is_built_again_after_a_change(school, siro):
    today = timezone.localdate()
    calls = []

    def outer(stale):
        calls.append(1)
        return {s.pk: reuse_each("inner", stale, today, inner) for s in stale}

    def inner(stale):
        return {s.pk: Device.objects.filter(school=s).count() for s in stale}

    reuse_each("outer", [school], today, outer)
    reuse_each("outer", [school], today, outer)
    assert len(calls) == 1
    _laptop(school, siro)
    assert reuse_each("outer", [school], today, outer)[school.pk] == {school.pk: 1}
    assert len(calls) == 2


LOCATION = {"name": "Server cupboard", "kind": "cabinet", "lockable": "on", "for_servers": "on"}


def test_a_change_made_in_a_request_is_evaluated_by_the_next_page_or_the_job_not_the_request(
    school, other_school, it_lead, siro, client_for, counted
):
    it, head = client_for(it_lead), client_for(siro)
    _reused([school, other_school])
    counted.clear()
    response = it.post(f"/s/{school.slug}/equipment/locations/add/", LOCATION)
    assert response.status_code == 302
    assert counted == []  # the request that made the change evaluates nothing
    page = head.get(f"/s/{school.slug}/controls/")
    assert page.status_code == 200
    assert {tuple(slugs) for _, slugs in counted} == {("ashmole",)}
    _same(
        {school.pk: {c.code: c for c in page.context["controls"]}},
        control_status.statuses([school], timezone.localdate()),
    )
    counted.clear()
    it.post(f"/s/{school.slug}/equipment/locations/add/", LOCATION | {"name": "Second cupboard"})
    assert controls_refresh() == "evaluated 1 school"
    head.get(f"/s/{school.slug}/controls/")
    assert {tuple(slugs) for _, slugs in counted} == {("ashmole",)}  # by the job, not the page


def test_the_refresh_job_renews_what_is_kept_before_the_pages_would_meet_it_expired(
    school, counted, monkeypatch
):
    from bastion.controls.jobs import AHEAD_SECONDS

    start = timezone.now()
    assert controls_refresh() == "evaluated 1 school"
    near = start + dt.timedelta(seconds=REUSE_SECONDS - AHEAD_SECONDS + 60)
    monkeypatch.setattr(timezone, "now", lambda: near)
    _reused([school])  # a page: still within its quarter hour, kept
    assert controls_refresh() == "evaluated 1 school"  # within the job's margin: renewed
    counted.clear()
    monkeypatch.setattr(timezone, "now", lambda: start + dt.timedelta(seconds=REUSE_SECONDS + 60))
    _reused([school])  # past the first evaluation's quarter hour: the renewed one serves
    assert counted == []


def test_the_refresh_job_keeps_the_agreement_counts_ready(school, monkeypatch):
    from bastion.agreements import coverage

    controls_refresh()
    counted = []
    real = coverage.summary
    monkeypatch.setattr(coverage, "summary", lambda *a, **k: counted.append(1) or real(*a, **k))
    coverage.kept_summary(school, timezone.localdate())
    assert counted == []
