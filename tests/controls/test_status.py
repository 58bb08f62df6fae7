"""A control's status: the worst of its computed parts and its attestation state; attestation
periods (time travel); the policy's not-applicable rows; the urgent actions."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from bastion.controls import services
from bastion.controls.models import ControlSetting
from bastion.controls.registry import ATTENTION, MET, NOT_APPLICABLE, OVERDUE, Action
from bastion.controls.status import plans, statuses, urgent_actions
from tests.controls.conftest import mark_not_applicable

DAY = dt.datetime(2026, 9, 7, 10, tzinfo=dt.UTC)


def status_of(school, code):
    return statuses([school], timezone.localdate(), [code])[school.pk][code]


def test_t16_is_attested_termly_and_falls_overdue_after_a_term(school, office):
    with time_machine.travel(DAY, tick=False):
        control = status_of(school, "T16")
        assert control.parts == []
        assert control.status == ATTENTION
        assert control.reason == "No check recorded yet: the check is due every term."
        services.attestation_record(
            actor=office,
            school=school,
            code="T16",
            attested_on=timezone.localdate(),
            note="Cross-cut shredders in the office and staff room.",
        )
        control = status_of(school, "T16")
        assert control.status == MET
        assert control.attestation.due == dt.date(2027, 1, 7)
    with time_machine.travel(DAY + dt.timedelta(days=122), tick=False):
        assert status_of(school, "T16").status == MET  # the last day of the term's check
        assert plans([school], timezone.localdate())[school.pk]["T16"].attestation.due_soon
    with time_machine.travel(DAY + dt.timedelta(days=123), tick=False):
        control = status_of(school, "T16")
        assert control.status == OVERDUE
        assert control.reason.startswith("Check overdue: last checked on 7 September 2026")


def test_a_yearly_frequency_keeps_a_check_for_a_year(school, siro):
    ControlSetting.objects.create(
        school=school, code="T16", owner_role="office", frequency="yearly"
    )
    with time_machine.travel(DAY, tick=False):
        services.attestation_record(
            actor=siro, school=school, code="T16", attested_on=dt.date(2026, 9, 1), note="Fine."
        )
    with time_machine.travel(DAY + dt.timedelta(days=300), tick=False):
        assert status_of(school, "T16").status == MET
    with time_machine.travel(DAY + dt.timedelta(days=365), tick=False):
        assert status_of(school, "T16").status == OVERDUE


def test_a_control_is_the_worst_of_its_parts_and_its_attestation(
    school, other_school, siro, fake_part
):
    day = dt.date(2026, 9, 7)
    assert statuses([school], day, ["T9"])[school.pk]["T9"].attestation.frequency == "yearly"
    fake_part("T9", {school.pk: ATTENTION, other_school.pk: MET})
    found = statuses([school, other_school], day, ["T9"])
    # Computed now: no periodic attestation by default, so the parts decide.
    assert found[school.pk]["T9"].status == ATTENTION
    assert found[other_school.pk]["T9"].status == MET
    assert found[school.pk]["T9"].attestation.status is None
    # A periodic check set by the school counts too: never made, it needs attention...
    ControlSetting.objects.create(
        school=other_school, code="T9", owner_role="it_lead", frequency="monthly"
    )
    assert statuses([other_school], day, ["T9"])[other_school.pk]["T9"].status == ATTENTION
    # ...made long ago, it is overdue: the worst of met and overdue.
    services.attestation_record(
        actor=siro, school=other_school, code="T9", attested_on=dt.date(2026, 1, 5), note="Old."
    )
    control = statuses([other_school], day, ["T9"])[other_school.pk]["T9"]
    assert control.status == OVERDUE
    # And the worst of needing attention and a check in date is needing attention.
    services.attestation_record(
        actor=siro, school=other_school, code="T9", attested_on=day, note="New."
    )
    fake_part("T9", {other_school.pk: ATTENTION})
    control = statuses([other_school], day, ["T9"])[other_school.pk]["T9"]
    assert control.status == ATTENTION
    assert control.attestation.status == MET


def test_overdue_parts_outrank_attention_in_the_urgent_actions(school, fake_part):
    fake_part("T15", {school.pk: ATTENTION}, actions=[Action("10 small things", "/a/", 10)])
    fake_part("T16", {school.pk: OVERDUE}, actions=[Action("1 late thing", "/b/", 1)])
    controls = statuses([school], dt.date(2026, 9, 7), ["T15", "T16"])[school.pk].values()
    urgent = urgent_actions(controls, limit=None)
    assert [a.text for _, _, a in urgent][:2] == ["1 late thing", "10 small things"]


def test_the_policys_not_applicable_rows_are_not_applicable_whatever_the_evidence(
    school, other_school, fake_part
):
    fake_part("T6", {school.pk: OVERDUE})
    mark_not_applicable(school, "T6", "We do not use the admissions system.")
    found = statuses([school, other_school], dt.date(2026, 9, 7), ["T6"])
    assert found[school.pk]["T6"].status == NOT_APPLICABLE
    assert found[school.pk]["T6"].reason == "We do not use the admissions system."
    assert found[school.pk]["T6"].actions == []
    assert found[other_school.pk]["T6"].status != NOT_APPLICABLE


def test_a_named_owner_owns_the_control_alone(school, office, siro):
    ControlSetting.objects.create(
        school=school, code="T16", owner_role="office", owner=siro, frequency="termly"
    )
    control = status_of(school, "T16")
    assert control.owner_label == "Hana Siro"
    assert control.owned_by(siro, {"siro"})
    assert not control.owned_by(office, {"office"})
    assert status_of(school, "T10").owner_label == "Office"  # the default role
