"""Kept evaluations: each part of a school's controls is evaluated again only when something it
read is written at that school (or the day changes, or a quarter of an hour passes), and the
refresh job does it ahead of the pages."""

from __future__ import annotations

import datetime as dt
import pickle

import pytest
from django.db import transaction
from django.utils import timezone

from bastion.controls import registry
from bastion.controls import status as control_status
from bastion.controls.jobs import controls_refresh
from bastion.controls.kept import REUSE_SECONDS, reuse_each
from bastion.controls.models import KeptEvaluation
from bastion.controls.trust_views import matrix_rows
from bastion.core import audit, revisions
from bastion.core.models import School
from bastion.equipment.models import Device, Location
from bastion.people.models import Person
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
    """A real change to the equipment register, recorded as the services record it, in a
    request of its own (the fixtures' writes are not part of it)."""
    revisions.forget_writes()
    device = Device.objects.create(school=school, kind="laptop", holds_personal_data=True)
    audit.record("device.created", actor=siro, school=school, obj=device)
    return device


def test_an_event_moves_the_registers_written_since_the_last_one_at_its_school_only(
    school, other_school, siro
):
    revisions.forget_writes()  # the fixtures' own writes
    before = revisions.revisions([school, other_school])
    _laptop(school, siro)
    after = revisions.revisions([school, other_school])
    assert set(after[school.pk]) - set(before[school.pk]) == {"equipment"}
    assert after[other_school.pk] == before[other_school.pk]
    # The next event wrote nothing new: a download, say. Nothing moves.
    audit.record("incident.log_viewed", actor=siro, school=school)
    assert revisions.revisions([school, other_school]) == after
    Location.objects.create(school=school, name="Office safe", lockable=True)
    audit.record("location.created", actor=siro, school=school)
    moved = revisions.revisions([school])[school.pk]
    assert moved["equipment"] != after[school.pk]["equipment"]


def test_the_schools_own_row_is_a_register_of_its_own(school, siro):
    revisions.forget_writes()
    school.name = "Ashmole Academy"
    school.save()
    audit.record("school.settings_changed", actor=siro, school=school)
    assert set(revisions.revisions([school])[school.pk]) == {revisions.SCHOOL}


def test_writes_after_the_event_in_the_same_transaction_move_at_commit(
    school, siro, django_capture_on_commit_callbacks
):
    revisions.forget_writes()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        audit.record("person.created", actor=siro, school=school)
        assert revisions.revisions([school])[school.pk] == {}  # nothing written yet
        Person.objects.create(school=school, kind="staff", first_name="A", last_name="B")
    assert set(revisions.revisions([school])[school.pk]) == {"people"}


def test_a_members_own_account_event_moves_the_schools_they_belong_to(school, other_school, trust):
    from allauth.mfa.models import Authenticator

    third = School.objects.create(trust=trust, name="Canal Side", slug="canal-side")
    user = make_user("two.schools@example.org")
    add_member(user, school, "staff")
    add_member(user, other_school, "staff")
    revisions.forget_writes()
    Authenticator.objects.create(user=user, type=Authenticator.Type.RECOVERY_CODES, data={})
    audit.record("mfa.added", actor=user, obj=user)  # no school: an account event
    found = revisions.revisions([school, other_school, third])
    assert set(found[school.pk]) == set(found[other_school.pk]) == {"mfa"}
    assert found[third.pk] == {}
    audit.record("auth.login_failed", actor_label="nobody@example.org")
    assert revisions.revisions([school, other_school, third]) == found


def test_reading_collects_the_registers_its_queries_read(school):
    with revisions.reading() as outer:
        list(Device.objects.filter(school=school))
        with revisions.reading() as inner:
            list(Person.objects.filter(school=school).select_related("school"))
    assert inner == {"people", revisions.SCHOOL}
    assert outer == {"equipment", "people", revisions.SCHOOL}


def test_after_a_change_to_one_register_only_the_parts_that_read_it_are_evaluated(
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
    # The equipment register's own controls, and no other: none of the others reads it.
    equipment = {p.code for ps in registry.COMPUTED.values() for p in ps if "equipment" in p.key}
    assert _codes(counted) == equipment == {"T3", "T6", "T10", "T11", "T12", "T13", "T14", "T15"}
    assert found[school.pk]["T3"].status != first[school.pk]["T3"].status
    _same(found, control_status.statuses([school, other_school], timezone.localdate()))


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


def test_a_part_kept_longer_than_a_quarter_of_an_hour_is_evaluated_again(
    school, siro, counted, monkeypatch, all_evaluators
):
    today = timezone.localdate()
    start = timezone.now()
    _reused([school], today)
    monkeypatch.setattr(timezone, "now", lambda: start + dt.timedelta(seconds=REUSE_SECONDS - 60))
    _laptop(school, siro)
    _reused([school], today)  # the equipment parts again: the row's time moves on
    counted.clear()
    monkeypatch.setattr(timezone, "now", lambda: start + dt.timedelta(seconds=REUSE_SECONDS + 60))
    _reused([school], today)
    # The other parts are past their quarter hour, though their row is not.
    assert "P6" in _codes(counted)
    assert "T3" not in _codes(counted)


def test_a_kept_row_not_sealed_by_bastion_is_ignored_not_unpickled(school, counted):
    _reused([school])
    row = KeptEvaluation.objects.get()
    # Written by someone with the database but not the secret key: a pickle that would run
    # code when loaded, behind a made-up seal.
    row.value = b"\0" * 32 + pickle.dumps(print)
    row.save()
    n = len(counted)
    found = _reused([school])
    assert len(counted) == 2 * n
    _same(found, control_status.statuses([school], timezone.localdate()))


def test_a_shared_helper_runs_once_per_pass_and_each_part_still_depends_on_what_it_read(school):
    from bastion.equipment import controls as equipment

    calls = []

    @registry.shared
    def helper(schools):
        calls.append(1)
        return {s.pk: Device.objects.filter(school__in=schools).count() for s in schools}

    with registry.evaluation_pass():
        with revisions.reading() as first:
            helper([school])
        with revisions.reading() as second:
            helper([school])
        helper([school, school])  # other schools: its own answer
    assert len(calls) == 2
    assert first == second == {"equipment", revisions.SCHOOL}
    helper([school])  # outside a pass: computed each time
    assert len(calls) == 3
    # T3 and T11 share the device rules' counts; T11 read the people's checks through them.
    with registry.evaluation_pass():
        with revisions.reading() as t3:
            equipment.encrypted_portables([school], timezone.localdate())
        with revisions.reading() as t11:
            equipment.servers([school], timezone.localdate())
    assert {"equipment", "people"} <= t3 <= t11


def test_every_part_reads_the_same_in_a_pass_as_alone(school, all_evaluators):
    """What a part is kept against does not depend on which part ran a shared helper first."""
    today = timezone.localdate()
    alone = {}
    for parts in registry.COMPUTED.values():
        for part in parts:
            with revisions.reading() as read:
                part.func([school], today)
            alone[part.key] = read
    in_pass = {}
    with registry.evaluation_pass():
        for parts in registry.COMPUTED.values():
            for part in parts:
                with revisions.reading() as read:
                    part.func([school], today)
                in_pass[part.key] = read
    assert in_pass == alone


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
    assert "P6" not in _codes(counted)
    # The same matrix as evaluating every school afresh would give.
    kept = {k: response.context[k] for k in ("rows", "gaps", "worst", "counts")}
    KeptEvaluation.objects.all().delete()
    fresh = client.get(f"/trust/{trust.slug}/controls/").context
    assert kept == {k: fresh[k] for k in ("rows", "gaps", "worst", "counts")}
    t3 = next(g for g in kept["gaps"] if g["code"] == "T3")
    assert t3["schools"] == 1


def test_an_answer_kept_inside_another_passes_on_what_it_read(school, siro):
    """The outer answer (a matrix row) is kept against what its kept parts read."""
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
    KeptEvaluation.objects.filter(key__startswith="outer").delete()
    reuse_each("outer", [school], today, outer)  # the inner answer kept, the outer built again
    assert len(calls) == 2
    _laptop(school, siro)
    assert reuse_each("outer", [school], today, outer)[school.pk] == {school.pk: 1}
    assert len(calls) == 3


LOCATION = {"name": "Server cupboard", "kind": "cabinet", "lockable": "on", "for_servers": "on"}


def test_after_the_response_of_a_change_what_it_changed_is_evaluated_for_the_next_page(
    school, other_school, it_lead, siro, client_for, counted, settings, all_evaluators
):
    settings.BASTION_REFRESH_AFTER_CHANGE = True
    it, head = client_for(it_lead), client_for(siro)  # signing in moves their accounts'
    _reused([school, other_school])
    counted.clear()
    response = it.post(f"/s/{school.slug}/equipment/locations/add/", LOCATION)
    assert response.status_code == 302
    # Done once the response had gone: the equipment controls of that school alone.
    assert {tuple(slugs) for _, slugs in counted} == {("ashmole",)}
    assert "T10" in _codes(counted) and "P6" not in _codes(counted)
    counted.clear()
    page = head.get(f"/s/{school.slug}/controls/")
    assert page.status_code == 200 and counted == []  # the dashboard finds it ready
    _same(
        {school.pk: {c.code: c for c in page.context["controls"]}},
        control_status.statuses([school], timezone.localdate()),
    )


def test_with_the_refresh_off_the_next_page_evaluates_what_changed(
    school, it_lead, siro, client_for, counted, settings
):
    settings.BASTION_REFRESH_AFTER_CHANGE = False
    it, head = client_for(it_lead), client_for(siro)
    _reused([school])
    counted.clear()
    it.post(f"/s/{school.slug}/equipment/locations/add/", LOCATION)
    assert counted == []
    head.get(f"/s/{school.slug}/controls/")
    assert "T10" in _codes(counted) and "P5" not in _codes(counted)


def test_a_failing_refresh_is_logged_and_the_response_is_unharmed(
    school, it_lead, client_for, settings, monkeypatch, caplog
):
    settings.BASTION_REFRESH_AFTER_CHANGE = True

    def broken(ids):
        raise RuntimeError("the kept table is missing")

    monkeypatch.setattr(revisions, "_after", [broken])
    response = client_for(it_lead).post(f"/s/{school.slug}/equipment/locations/add/", LOCATION)
    assert response.status_code == 302
    assert Location.objects.filter(school=school, name="Server cupboard").exists()
    assert "Could not bring what is kept up to date" in caplog.text


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
