"""P5 (the Single Central Record) and T7 (accounts from the MIS) against hand-built people."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from bastion.controls.registry import ATTENTION, MET, OVERDUE
from bastion.people import controls, scr
from bastion.people.models import ImportJob, PeopleSettings, Person, SCRCheck

TODAY = dt.date(2026, 11, 27)
STAFF_CHECKS = ("identity", "dbs", "barred_list", "right_to_work")


def staff_member(school, name: str, *, done=STAFF_CHECKS, dbs_on=dt.date(2024, 9, 1), **fields):
    person = Person.objects.create(
        school=school, kind="staff", first_name=name, last_name="Example", **fields
    )
    for check in done:
        SCRCheck.objects.create(
            school=school,
            person=person,
            check_type=check,
            state="done",
            done_on=dbs_on if check == "dbs" else dt.date(2024, 9, 1),
        )
    scr.refresh_entry(person)
    return person


def test_p5_counts_clear_entries_and_names_the_gaps(school, other_school):
    staff_member(school, "Ann")
    staff_member(school, "Ben")
    for name in ("Cat", "Dan", "Eve"):
        staff_member(school, name, done=("identity", "dbs", "right_to_work"))
    Person.objects.create(school=school, kind="staff", first_name="Fay", last_name="New")
    Person.objects.create(school=school, kind="pupil", first_name="Pip", last_name="Pupil")
    staff_member(school, "Gus", left_on=dt.date(2026, 7, 20), done=())  # left: not counted
    staff_member(other_school, "Hal")
    found = controls.scr_complete([school, other_school], TODAY)
    evidence = found[school.pk]
    assert evidence.status == ATTENTION
    assert evidence.summary.startswith("2 of 6 people in the Single Central Record")
    assert evidence.value == 2 / 6
    texts = [a.text for a in evidence.actions]
    assert texts[0] == "3 people without a barred-list check"
    assert "1 person with no SCR entry" in texts
    assert evidence.actions[0].url == f"/s/{school.slug}/scr/?status=gaps"
    assert found[other_school.pk].status == MET


def test_p5_flags_dbs_rechecks_by_each_schools_period(school, other_school):
    staff_member(school, "Old", dbs_on=dt.date(2020, 1, 1))
    staff_member(other_school, "Old", dbs_on=dt.date(2020, 1, 1))
    PeopleSettings.objects.create(school=school, dbs_recheck_years=3)
    found = controls.scr_complete([school, other_school], TODAY)
    assert found[school.pk].status == ATTENTION
    assert [a.text for a in found[school.pk].actions] == ["1 DBS re-check due"]
    assert found[other_school.pk].status == MET  # no re-check period set there


def test_p5_needs_attention_when_nobody_is_recorded(school):
    evidence = controls.scr_complete([school], TODAY)[school.pk]
    assert evidence.status == ATTENTION
    assert "Nobody" in evidence.summary


def _import(school, user, finished):
    return ImportJob.objects.create(
        school=school,
        kind="staff",
        filename="staff.csv",
        payload=b"",
        digest="0" * 64,
        status="done",
        created_by=user,
        finished_at=finished,
    )


def test_t7_a_recent_mis_import_is_met_and_an_old_one_overdue(
    school, other_school, office, time_machine
):
    # At noon: 200 days before a time near midnight can be another local date (summer time).
    time_machine.move_to(dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC), tick=False)
    now = timezone.now()
    assert controls.mis_import([school], TODAY)[school.pk].status == ATTENTION
    _import(school, office, now - dt.timedelta(days=3))
    _import(other_school, office, now - dt.timedelta(days=200))
    found = controls.mis_import([school, other_school], timezone.localdate())
    assert found[school.pk].status == MET
    assert found[other_school.pk].status == OVERDUE
    assert "200 days" in found[other_school.pk].summary


def test_people_evaluators_use_a_fixed_number_of_queries(
    school, other_school, django_assert_num_queries
):
    staff_member(school, "Ann")
    with django_assert_num_queries(2):
        controls.scr_complete([school, other_school], TODAY)
    with django_assert_num_queries(1):
        controls.mis_import([school, other_school], TODAY)
