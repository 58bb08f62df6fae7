"""The computed controls of the systems register, each against hand-built data, for several
schools at once with a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.controls.registry import ATTENTION, COMPUTED, MET, OVERDUE, evaluate
from bastion.core.models import School
from bastion.systems import controls
from bastion.systems.models import Transfer
from tests.systems.conftest import account, changed, person, system

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)


def send(sys, user, flagged, days_ago=10):
    return Transfer.objects.create(
        school=sys.school,
        sent_on=TODAY - dt.timedelta(days=days_ago),
        what="CTF",
        recipient="Somewhere",
        recipient_kind="school",
        channel=sys,
        lawful_basis="public_task",
        sent_by=user,
        flagged=flagged,
    )


def only(result, school):
    return result[school.pk]


def test_every_row_of_the_systems_register_is_registered():
    for code in ("P8", "P9", "P10", "P11", "P13", "T4", "T5", "T8", "T9"):
        modules = {part.func.__module__ for part in COMPUTED[code]}
        assert "bastion.systems.controls" in modules, code


def test_p8_counts_the_unapproved_channels_of_the_last_year(school, other_school, staff):
    mail, s2s = system(school, "Mail", kind="email"), system(school, "S2S")
    send(s2s, staff, False)
    send(mail, staff, True)
    send(mail, staff, True, days_ago=400)  # more than a year ago
    result = controls.transfer_channels([school, other_school], TODAY)
    evidence = only(result, school)
    assert evidence.status == ATTENTION
    assert evidence.summary.startswith("1 transfer of 2 in the last year went through")
    [action] = evidence.actions
    assert action.count == 1 and action.url == f"/s/{school.slug}/transfers/?flagged=1"
    assert evidence.value == 0.5
    assert only(result, other_school).status == MET


@pytest.mark.parametrize(
    "func, fields, words",
    [
        (controls.personal_accounts, {"personal_accounts": False}, "shared logins"),
        (controls.password_rules, {"password_rules": ""}, "no password rules"),
    ],
)
def test_p9_and_p10_flag_systems_with_personal_data_that_break_the_rule(
    school, other_school, func, fields, words
):
    system(school, "Good")
    system(school, "Bad", **fields)
    system(school, "No personal data", holds_personal_data=False, **fields)
    system(other_school, "Theirs")
    result = func([school, other_school], TODAY)
    evidence = only(result, school)
    assert evidence.status == ATTENTION and words in evidence.summary
    assert evidence.actions[0].count == 1 and evidence.value == 0.5
    assert only(result, other_school).status == MET


def test_a_school_with_no_systems_is_asked_to_record_them(school):
    for func in (controls.personal_accounts, controls.owners_and_provisioning):
        evidence = func([school], TODAY)[school.pk]
        assert evidence.status == ATTENTION and "No systems are recorded" in evidence.summary


def test_p13_flags_systems_without_an_owner_or_a_provisioning_process(school, other_school):
    owner = person(school)
    system(school, "Owned", owner=owner)
    system(school, "Ownerless")
    system(school, "No process", owner=owner, provisioning="")
    system(school, "Archived", archived=True)
    system(other_school, "Theirs", owner=person(other_school))
    result = controls.owners_and_provisioning([school, other_school], TODAY)
    assert only(result, school).actions[0].count == 2
    assert only(result, other_school).status == MET


def test_p11_is_the_share_of_accounts_in_date_and_lists_the_lapsed(school, other_school):
    sims = system(school, "SIMS", password_change_months=6)
    drive = system(school, "Drive", kind="cloud_storage", password_change_months=None)
    ada, bo, cy = person(school, "Ada"), person(school, "Bo"), person(school, "Cy")
    gone = person(school, "Gone", left_on=dt.date(2026, 1, 1))
    for who in (ada, bo, cy, gone):
        account(sims, who)
        account(drive, who)
    changed(sims, ada, dt.date(2025, 9, 10))  # exactly six months: in date
    changed(sims, bo, dt.date(2025, 9, 9))  # a day too old
    theirs = system(other_school, "Their MIS", password_change_months=3)
    zed = person(other_school, "Zed")
    account(theirs, zed)
    changed(theirs, zed, dt.date(2026, 1, 1))
    result = controls.password_changes([school, other_school], TODAY)
    evidence = only(result, school)
    assert evidence.status == OVERDUE
    assert evidence.summary == "1 of 3 accounts have a password change in date (33%)."
    assert evidence.facts == {"accounts": 3, "in_date": 1, "lapsed": 2}
    assert evidence.actions[0].url == f"/s/{school.slug}/systems/passwords/?status=lapsed"
    assert only(result, other_school).status == MET and only(result, other_school).value == 1


def test_p11_asks_for_a_period_on_the_mis(school):
    ada = person(school)
    sims = system(school, "SIMS", password_change_months=None)
    vpn = system(school, "VPN", kind="remote_access", password_change_months=6)
    account(sims, ada)
    account(vpn, ada)
    changed(vpn, ada, dt.date(2026, 3, 1))
    evidence = controls.password_changes([school], TODAY)[school.pk]
    assert evidence.status == ATTENTION
    assert evidence.actions[0].url.endswith("?problem=period")


def test_t4_needs_a_remote_access_system_with_two_factor(school, other_school, trust):
    third = School.objects.create(trust=trust, name="Third", slug="third", urn="100002")
    system(school, "RAv3", kind="remote_access", mfa_enforced=True)
    system(other_school, "Old VPN", kind="remote_access", mfa_enforced=False)
    result = controls.remote_access([school, other_school, third], TODAY)
    assert result[school.pk].status == MET
    assert result[other_school.pk].status == ATTENTION
    assert "Old VPN" in result[other_school.pk].summary
    assert "No remote access system" in result[third.pk].summary


def test_t5_and_t8_need_a_secure_transfer_system_approved_for_the_dfe_and_schools(
    school, other_school
):
    system(school, "S2S", kind="secure_transfer", approved_for=["dfe"])
    system(school, "E-mail", kind="email", approved_for=["school"])  # not a transfer service
    system(other_school, "FX2", kind="secure_transfer", approved_for=["school", "dfe"])
    system(other_school, "Old", kind="secure_transfer", approved_for=["dfe"], archived=True)
    t5 = controls.dfe_transfer([school, other_school], TODAY)
    t8 = controls.school_transfer([school, other_school], TODAY)
    assert t5[school.pk].status == MET and "S2S" in t5[school.pk].summary
    assert t8[school.pk].status == ATTENTION
    assert t5[other_school.pk].status == MET and t8[other_school.pk].status == MET


def test_t9_needs_online_document_storage(school, other_school):
    system(school, "myDrive", kind="cloud_storage")
    result = controls.document_storage([school, other_school], TODAY)
    assert result[school.pk].status == MET and "myDrive" in result[school.pk].summary
    assert result[other_school.pk].status == ATTENTION


def _school_with_everything(trust, n):
    school = School.objects.create(trust=trust, name=f"S{n}", slug=f"s{n}", urn=f"2{n:05d}")
    sims = system(school, "SIMS")
    system(school, "FX2", kind="secure_transfer", approved_for=["school", "dfe"])
    who = person(school)
    account(sims, who)
    changed(sims, who, TODAY)
    return school


@pytest.mark.parametrize("code", ["P8", "P9", "P10", "P11", "P13", "T4", "T5", "T8", "T9"])
def test_each_control_takes_the_same_queries_for_2_or_6_schools(
    trust, code, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    schools = [_school_with_everything(trust, n) for n in range(2)]
    with CaptureQueriesContext(connection) as first:
        evaluate(code, schools, TODAY)
    queries = len(first.captured_queries)
    schools += [_school_with_everything(trust, n) for n in range(2, 6)]
    with django_assert_num_queries(queries):
        result = evaluate(code, schools, TODAY)
    assert set(result) == {s.pk for s in schools}
