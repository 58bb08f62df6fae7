"""Housekeeping campaigns (P14): one per school year, who must attest, attestations, progress,
and the school years as time passes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.core.models import AuditEvent, School
from bastion.housekeeping import campaigns
from bastion.housekeeping.models import Attestation, Campaign
from tests.conftest import add_member, make_user
from tests.housekeeping.conftest import DEADLINE, TODAY, add_staff, add_teacher, open_campaign

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "year"),
    [("2025-09-01", 2025), ("2026-08-31", 2025), ("2026-01-15", 2025), ("2026-09-01", 2026)],
)
def test_a_school_year_runs_from_september_to_august(day, year):
    assert campaigns.school_year(dt.date.fromisoformat(day)) == year


def test_the_siro_opens_this_school_year_s_campaign_once(school, siro):
    campaign = open_campaign(siro, school)
    assert (campaign.year, campaign.opened_on, campaign.deadline) == (2025, TODAY, DEADLINE)
    assert campaign.label == "2025/26"
    assert AuditEvent.objects.filter(action="housekeeping.opened").count() == 1
    with pytest.raises(ValidationError, match="already open"):
        open_campaign(siro, school)
    assert Campaign.objects.count() == 1


def test_the_deadline_falls_within_the_school_year(school, siro):
    with pytest.raises(ValidationError) as caught:
        open_campaign(siro, school, deadline=TODAY - dt.timedelta(days=1))
    assert "before the campaign opens" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        open_campaign(siro, school, deadline=dt.date(2026, 9, 1))
    assert "by 31 August 2026" in str(caught.value)
    assert not Campaign.objects.exists()


def test_staff_with_an_account_who_are_there_on_the_deadline_must_attest(
    school, other_school, siro
):
    campaign = open_campaign(siro, school)
    _, teacher = add_teacher(school, 1)
    add_staff(school)  # no Bastion account
    _, leaver = add_teacher(school, 2, left_on=DEADLINE - dt.timedelta(days=1))
    _, staying = add_teacher(school, 3, left_on=DEADLINE + dt.timedelta(days=1))
    _, joiner = add_teacher(school, 4, started_on=DEADLINE + dt.timedelta(days=1))
    _, starter = add_teacher(school, 5, started_on=TODAY)
    governor = make_user("gov@x.example.org")
    add_staff(school, governor, kind="governor")
    add_teacher(other_school, 6)
    assert list(campaigns.missing(campaign)) == [teacher, staying, starter]
    assert leaver not in campaigns.missing(campaign) and joiner not in campaigns.missing(campaign)
    assert campaigns.progress([campaign])[campaign.pk].required == 3


def test_a_member_of_staff_attests_once_with_a_note(school, siro, staff, sam):
    campaign = open_campaign(siro, school)
    attestation = campaigns.attest(actor=staff, school=school, note="  Cleared my laptop ")
    assert (attestation.campaign, attestation.person, attestation.note) == (
        campaign,
        sam,
        "Cleared my laptop",
    )
    with pytest.raises(ValidationError, match="already attested for Housekeeping 2025/26"):
        campaigns.attest(actor=staff, school=school)
    assert campaigns.progress([campaign])[campaign.pk] == campaigns.Progress(1, 1)
    assert AuditEvent.objects.filter(action="housekeeping.attested").count() == 1


def test_attesting_needs_an_open_campaign_and_a_staff_record(school, siro, staff):
    with pytest.raises(ValidationError, match="no housekeeping to attest"):
        campaigns.attest(actor=staff, school=school)
    open_campaign(siro, school)
    with pytest.raises(ValidationError, match="not linked to a current staff record"):
        campaigns.attest(actor=staff, school=school)
    assert not Attestation.objects.exists()


def test_each_school_year_needs_its_own_attestation(school, siro, staff, sam, time_machine):
    open_campaign(siro, school)
    campaigns.attest(actor=staff, school=school)
    # Late in August the 2025/26 campaign is still the one to attest to.
    time_machine.move_to(dt.datetime(2026, 8, 31, 20, tzinfo=dt.UTC), tick=False)
    assert campaigns.current_campaign(school).year == 2025
    # In September the new school year has no campaign until the SIRO opens one...
    time_machine.move_to(dt.datetime(2026, 9, 1, 8, tzinfo=dt.UTC), tick=False)
    assert campaigns.current_campaign(school) is None
    with pytest.raises(ValidationError, match="no housekeeping to attest"):
        campaigns.attest(actor=staff, school=school)
    # ...and last year's attestation does not count for it.
    new = open_campaign(siro, school, deadline=dt.date(2027, 7, 16))
    assert new.year == 2026
    assert list(campaigns.missing(new)) == [sam]
    campaigns.attest(actor=staff, school=school)
    assert Attestation.objects.filter(person=sam).count() == 2


def test_a_past_year_s_campaign_cannot_change(school, siro, time_machine):
    campaign = open_campaign(siro, school)
    time_machine.move_to(dt.datetime(2026, 9, 2, 8, tzinfo=dt.UTC), tick=False)
    with pytest.raises(ValidationError, match="history"):
        campaigns.campaign_update(
            actor=siro, school=school, campaign=campaign, deadline=DEADLINE, instructions=""
        )


def test_progress_of_many_campaigns_takes_one_query(school, trust, siro, staff, sam):
    found = []
    for n in range(4):
        other = School.objects.create(trust=trust, name=f"S{n}", slug=f"s{n}", urn=f"5000{n}")
        add_member(siro, other, "siro", "staff")
        campaign = open_campaign(siro, other)
        for i in range(n):
            user, _ = add_teacher(other, n * 10 + i)
            if i % 2 == 0:
                campaigns.attest(actor=user, school=other)
        found.append(campaign)
    with CaptureQueriesContext(connection) as queries:
        result = campaigns.progress(found)
    assert len(queries) == 1
    assert [(result[c.pk].done, result[c.pk].required) for c in found] == [
        (0, 0),
        (1, 1),
        (1, 2),
        (2, 3),
    ]
    assert result[found[0].pk].share == 1.0 and result[found[2].pk].percent == 50


def test_progress_per_school_counts_as_each_campaign_alone(school, trust, siro):
    """The grouped count (one campaign per school) agrees with counting each campaign alone,
    each school's own deadline deciding who must attest."""
    found = []
    for n, deadline in enumerate([DEADLINE, dt.date(2026, 6, 30), dt.date(2026, 7, 10)]):
        other = School.objects.create(trust=trust, name=f"T{n}", slug=f"t{n}", urn=f"6000{n}")
        add_member(siro, other, "siro", "staff")
        campaign = open_campaign(siro, other, deadline=deadline)
        add_teacher(other, 100 * n + 1, started_on=dt.date(2026, 7, 1))  # after some deadlines
        add_teacher(other, 100 * n + 2, left_on=dt.date(2026, 7, 5))  # before some deadlines
        user, _ = add_teacher(other, 100 * n + 3)
        if n != 1:
            campaigns.attest(actor=user, school=other)
        found.append(campaign)
    together = campaigns.progress(found)
    alone = {c.pk: campaigns.progress([c])[c.pk] for c in found}
    assert together == alone
    assert [(alone[c.pk].done, alone[c.pk].required) for c in found] == [(1, 2), (0, 2), (1, 2)]
