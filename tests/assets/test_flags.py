"""The register's flags, with time travel: review a year old, past retention (a held-until date
or a year without weeding), special category data without an Article 9 condition or outside a
secure area, a DPIA not done, an owner who is not current staff."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.assets import rules
from bastion.assets.models import InformationAsset
from bastion.people.models import Kind, Person
from tests.assets.assets import TODAY, asset, staff_member, url

pytestmark = pytest.mark.django_db


def flags(school, today=None) -> dict[str, set[str]]:
    found = rules.rules(today)
    assets = rules.with_flags(InformationAsset.objects.filter(school=school), found)
    return {a.name: {f.key for f in rules.flagged(a)} for a in assets}


def test_a_well_kept_asset_has_no_flag(school):
    asset(
        school,
        "Fine",
        owner=staff_member(school),
        special_category=True,
        secure_area=True,
        article9_condition="public_interest",
        dpia_needed=True,
        dpia_done_on=TODAY,
    )
    assert flags(school) == {"Fine": set()}


def test_the_review_falls_due_a_year_after_the_last_one(school, time_machine):
    asset(school, "Records", owner=staff_member(school), last_reviewed_on=dt.date(2025, 3, 3))
    asset(school, "Never", owner=staff_member(school, "Bo", "Lee"), last_reviewed_on=None)
    assert flags(school) == {"Records": set(), "Never": {"review_due"}}
    time_machine.move_to(dt.datetime(2026, 3, 3, 12, tzinfo=dt.UTC), tick=False)
    assert flags(school) == {"Records": {"review_due"}, "Never": {"review_due"}}


def test_a_collection_kept_past_its_held_until_date_is_past_retention(school, time_machine):
    owner = staff_member(school)
    asset(school, "Admissions 2024", owner=owner, held_until=dt.date(2026, 3, 10))
    assert flags(school) == {"Admissions 2024": set()}
    time_machine.move_to(dt.datetime(2026, 3, 11, 12, tzinfo=dt.UTC), tick=False)
    assert flags(school) == {"Admissions 2024": {"past_retention"}}


def test_a_rolling_collection_not_weeded_for_a_year_is_past_retention(school, time_machine):
    owner = staff_member(school)
    weeded = asset(school, "Personnel", owner=owner, retention_years=6, weeded_on=TODAY)
    asset(school, "Fresh", owner=owner, retention_years=6)  # added today: a year's grace
    asset(school, "Kept forever", owner=owner, retention_note="Permanent")
    assert flags(school) == {"Personnel": set(), "Fresh": set(), "Kept forever": set()}
    time_machine.move_to(dt.datetime(2027, 3, 2, 12, tzinfo=dt.UTC), tick=False)
    InformationAsset.objects.update(last_reviewed_on=dt.date(2027, 3, 1))
    assert flags(school) == {
        "Personnel": {"past_retention"},
        "Fresh": {"past_retention"},
        "Kept forever": set(),
    }
    InformationAsset.objects.filter(pk=weeded.pk).update(weeded_on=dt.date(2027, 3, 1))
    assert flags(school)["Personnel"] == set()


def test_special_category_data_needs_a_condition_and_a_secure_area(school):
    owner = staff_member(school)
    asset(school, "Medical", owner=owner, special_category=True, secure_area=False)
    asset(
        school,
        "Safeguarding",
        owner=owner,
        special_category=True,
        secure_area=True,
        article9_condition="public_interest",
    )
    asset(school, "Newsletters", owner=owner, special_category=False, secure_area=False)
    assert flags(school) == {
        "Medical": {"no_condition", "not_secure"},
        "Safeguarding": set(),
        "Newsletters": set(),
    }


def test_a_dpia_needed_but_not_done_is_flagged(school):
    owner = staff_member(school)
    asset(school, "CCTV", owner=owner, dpia_needed=True)
    asset(school, "Tracker", owner=owner, dpia_needed=True, dpia_done_on=TODAY)
    assert flags(school) == {"CCTV": {"dpia_missing"}, "Tracker": set()}


def test_an_owner_must_be_a_current_member_of_staff(school, time_machine):
    leaving = staff_member(school, "Lee", "Leaver", left_on=dt.date(2026, 4, 1))
    governor = Person.objects.create(
        school=school, kind=Kind.GOVERNOR, first_name="Gil", last_name="Gov"
    )
    asset(school, "Leaver's", owner=leaving)
    asset(school, "Governor's", owner=governor)
    asset(school, "Nobody's")
    assert flags(school) == {
        "Leaver's": set(),
        "Governor's": {"no_owner"},
        "Nobody's": {"no_owner"},
    }
    time_machine.move_to(dt.datetime(2026, 4, 1, 12, tzinfo=dt.UTC), tick=False)
    assert flags(school)["Leaver's"] == {"no_owner"}


def test_archived_assets_are_never_flagged(school):
    asset(school, "Gone", archived_on=TODAY, last_reviewed_on=None, special_category=True)
    assert flags(school) == {"Gone": set()}


def test_the_list_counts_and_filters_each_flag(client_for, school, dpo):
    owner = staff_member(school)
    asset(school, "Medical", owner=owner, special_category=True)
    asset(school, "Old", owner=owner, last_reviewed_on=dt.date(2024, 1, 1))
    asset(school, "Fine", owner=owner)
    client = client_for(dpo)
    response = client.get(url(school))
    counts = {flag.key: n for flag, n in response.context["flags"]}
    assert counts == {
        "no_owner": 0,
        "review_due": 1,
        "past_retention": 0,
        "no_condition": 1,
        "dpia_missing": 0,
        "not_secure": 1,
    }

    def names(query):
        return sorted(a.name for a, _ in client.get(url(school) + query).context["rows"])

    assert names("?flag=any") == ["Medical", "Old"]
    assert names("?flag=not_secure") == ["Medical"]
    assert names("?flag=review_due") == ["Old"]
    detail = client.get(url(school, f"{InformationAsset.objects.get(name='Medical').pk}/"))
    assert "This asset has 2 flags" in detail.content.decode()
