"""P1, P2, T2 and T4 (Bastion's MFA) computed from the school's settings and roles."""

from __future__ import annotations

import datetime as dt

from bastion.controls.registry import ATTENTION, MET
from bastion.core import controls
from bastion.core.models import School
from tests.conftest import add_member, enrol_totp, make_user

TODAY = dt.date(2026, 11, 27)


def test_p1_needs_attention_until_a_siro_is_named(school):
    evidence = controls.siro_named([school], TODAY)[school.pk]
    assert evidence.status == ATTENTION
    assert evidence.actions[0].url == f"/s/{school.slug}/members/"


def test_p1_is_met_by_the_head_teacher_and_asks_about_anyone_else(school, other_school):
    add_member(
        make_user("head@a.example.org", "Ada", "Head"), school, "siro", job_title="Head Teacher"
    )
    add_member(
        make_user("dep@b.example.org", "Bo", "Dep"), other_school, "siro", job_title="Bursar"
    )
    found = controls.siro_named([school, other_school], TODAY)
    assert found[school.pk].status == MET
    assert "Ada Head, Head Teacher, is the SIRO" in found[school.pk].summary
    assert found[other_school.pk].status == ATTENTION
    assert "the policy names the head teacher" in found[other_school.pk].summary


def test_p2_shows_the_dpo_and_that_the_siro_is_someone_else(school, siro, other_school):
    assert controls.dpo_named([school], TODAY)[school.pk].status == ATTENTION
    add_member(make_user("dpo@a.example.org", "Di", "Protect"), school, "dpo")
    found = controls.dpo_named([school, other_school], TODAY)
    assert found[school.pk].status == MET
    assert "Di Protect is the DPO" in found[school.pk].summary
    assert "the SIRO is Hana Siro, a different person" in found[school.pk].summary
    assert found[other_school.pk].status == ATTENTION


def test_t2_idle_lock_of_ten_minutes_or_less_is_met(school, other_school):
    School.objects.filter(pk=other_school.pk).update(idle_lock_minutes=15)
    other_school.refresh_from_db()
    found = controls.idle_lock([school, other_school], TODAY)
    assert found[school.pk].status == MET
    assert found[other_school.pk].status == ATTENTION
    assert "15 minutes" in found[other_school.pk].summary
    assert found[other_school.pk].actions[0].url.endswith("/settings/")


def test_t4_counts_privileged_members_without_two_factor(school, other_school):
    it = make_user("it@a.example.org")
    add_member(it, school, "it_lead")
    add_member(make_user("dpo@a.example.org"), school, "dpo")
    add_member(make_user("plain@a.example.org"), school, "staff")  # not privileged
    enrol_totp(it)
    found = controls.bastion_mfa([school, other_school], TODAY)
    assert found[school.pk].status == ATTENTION
    assert found[school.pk].actions[0].count == 1
    assert found[school.pk].value == 0.5
    assert found[other_school.pk].status == MET  # nobody privileged yet


def test_core_evaluators_use_one_query_for_many_schools(
    school, other_school, django_assert_num_queries
):
    schools = [school, other_school]
    with django_assert_num_queries(1):
        controls.siro_named(schools, TODAY)
    with django_assert_num_queries(1):
        controls.dpo_named(schools, TODAY)
    with django_assert_num_queries(0):
        controls.idle_lock(schools, TODAY)
    with django_assert_num_queries(1):
        controls.bastion_mfa(schools, TODAY)
