"""The device rules: encrypted portable devices (T3), servers in lockable locations and
managed by DBS-checked staff (T11); on the register, on a device's page, and as counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.equipment import devices
from bastion.equipment.models import Device
from tests.equipment.test_devices import device, place, url
from tests.people.test_scr_rules import add_person, complete, record, set_recheck

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC), tick=False)


def flagged(school, rule: str) -> list[str]:
    rules = devices.rule_qs(school)
    found = Device.objects.filter(school=school).filter(rules[rule])
    return sorted(found.values_list("asset_tag", flat=True))


# ---- T3: portable devices and removable media with personal data are encrypted ----------------


def test_a_portable_device_with_personal_data_and_no_encryption_is_flagged(school):
    device(school, "laptop", "L-BAD", holds_personal_data=True)
    device(school, "flash_drive", "F-BAD", holds_personal_data=True)
    device(school, "backup_disk", "D-BAD", holds_personal_data=True)
    device(school, "phone", "P-OK", holds_personal_data=True, encrypted=True)
    device(school, "tablet", "T-OK", holds_personal_data=False)
    device(school, "desktop", "DESK", holds_personal_data=True)  # not portable
    device(school, "laptop", "GONE", holds_personal_data=True, status=Device.Status.STOLEN)
    assert flagged(school, "unencrypted") == ["D-BAD", "F-BAD", "L-BAD"]


def test_the_model_property_agrees_with_the_query(school):
    bad = device(school, "laptop", "L-BAD", holds_personal_data=True)
    good = device(school, "laptop", "L-OK", holds_personal_data=True, encrypted=True)
    assert bad.unencrypted_portable and not good.unencrypted_portable
    assert flagged(school, "unencrypted") == ["L-BAD"]


# ---- T11: servers in lockable locations -------------------------------------------------------


def test_a_server_outside_a_lockable_location_is_flagged(school):
    cupboard = place(school, "Server cupboard", lockable=True)
    office = place(school, "Office", lockable=False)
    device(school, "server", "S-LOCKED", location=cupboard)
    device(school, "server", "S-OPEN", location=office)
    device(school, "server", "S-NOWHERE")
    device(school, "nas", "NAS-OPEN", location=office)  # the rule is about servers
    device(school, "desktop", "DESK", location=office)
    device(school, "server", "S-GONE", location=office, status=Device.Status.DISPOSED)
    assert flagged(school, "server_unlocked") == ["S-NOWHERE", "S-OPEN"]


# ---- T11: servers managed by DBS-checked staff ------------------------------------------------


@pytest.fixture
def managers(school, office):
    checked = complete(add_person(office, school, first_name="Cleo", last_name="Checked"), office)
    partly = add_person(office, school, first_name="Pat", last_name="Partly")
    record(partly, "identity", office)
    record(partly, "dbs", office)  # barred list and right to work still missing
    leaver = complete(
        add_person(office, school, first_name="Lee", last_name="Left", left_on=dt.date(2026, 1, 1)),
        office,
    )
    old_dbs = complete(
        add_person(office, school, first_name="Olga", last_name="Old"),
        office,
        on=dt.date(2019, 1, 1),
    )
    return {"checked": checked, "partly": partly, "leaver": leaver, "old_dbs": old_dbs}


def test_a_server_whose_manager_has_no_complete_scr_entry_is_flagged(school, managers):
    device(school, "server", "S-CHECKED", manager=managers["checked"])
    device(school, "server", "S-PARTLY", manager=managers["partly"])
    device(school, "server", "S-LEFT", manager=managers["leaver"])
    device(school, "server", "S-NOBODY")
    device(school, "laptop", "L-PARTLY", manager=managers["partly"])  # only servers
    assert flagged(school, "manager_unchecked") == ["S-LEFT", "S-NOBODY", "S-PARTLY"]


def test_a_manager_whose_dbs_is_due_a_recheck_no_longer_counts_as_checked(school, managers):
    device(school, "server", "S-OLD", manager=managers["old_dbs"])
    assert flagged(school, "manager_unchecked") == []
    set_recheck(school, 3)
    assert flagged(school, "manager_unchecked") == ["S-OLD"]


def test_completing_the_managers_checks_clears_the_flag(school, office, managers):
    device(school, "server", "S-PARTLY", manager=managers["partly"])
    assert flagged(school, "manager_unchecked") == ["S-PARTLY"]
    complete(managers["partly"], office)
    assert flagged(school, "manager_unchecked") == []


# ---- counts, the register and a device's page -------------------------------------------------


def test_problems_counts_each_rule_for_one_school_in_two_queries(school, other_school, managers):
    device(school, "laptop", "L-BAD", holds_personal_data=True)
    device(school, "server", "S-1", manager=managers["partly"])  # unlocked and unchecked
    device(
        school,
        "server",
        "S-2",
        manager=managers["checked"],
        location=place(school, "Cab", lockable=True),
    )
    device(other_school, "laptop", "THEIRS", holds_personal_data=True)
    with CaptureQueriesContext(connection) as queries:
        counts = devices.problems(school)
    assert counts == {"unencrypted": 1, "server_unlocked": 1, "manager_unchecked": 1}
    assert len(queries) == 2
    assert devices.problems(other_school) == {
        "unencrypted": 1,
        "server_unlocked": 0,
        "manager_unchecked": 0,
    }


def test_the_register_shows_each_devices_broken_rules_and_the_counts(
    client_for, school, it_lead, managers
):
    server = device(school, "server", "S-1", manager=managers["partly"])
    device(school, "laptop", "L-OK", holds_personal_data=True, encrypted=True)
    response = client_for(it_lead).get(url(school))
    rows = {d.asset_tag: [r.key for r in broken] for d, broken in response.context["rows"]}
    assert rows == {"L-OK": [], "S-1": ["server_unlocked", "manager_unchecked"]}
    counts = {rule.key: n for rule, n in response.context["problems"]}
    assert counts == {"unencrypted": 0, "server_unlocked": 1, "manager_unchecked": 1}
    page = response.content.decode()
    assert "Server not locked away" in page and "Manager not DBS-checked" in page

    page = client_for(it_lead).get(url(school, f"{server.pk}/")).content.decode()
    assert "This device breaks 2 rules" in page
    assert "Pat Partly has no complete Single Central Record entry." in page
    assert "Servers are kept in a lockable location (T11)." in page


def test_a_server_that_keeps_every_rule_shows_no_problems(client_for, school, it_lead, managers):
    cupboard = place(school, "Server cupboard", lockable=True)
    server = device(school, "server", "S-1", manager=managers["checked"], location=cupboard)
    page = client_for(it_lead).get(url(school, f"{server.pk}/")).content.decode()
    assert "breaks" not in page
    assert "Cleo Checked \N{EN DASH} Single Central Record entry complete" in page


def test_the_counts_for_many_schools_agree_with_each_schools_own(
    school, other_school, office, outsider, managers
):
    set_recheck(school, 3)  # Olga's DBS of 2019 is due a re-check here, not at Brookfield
    device(school, "server", "S-OLD", manager=managers["old_dbs"])
    device(school, "server", "S-OK", manager=managers["checked"], location=place(school, "C"))
    theirs = complete(
        add_person(outsider, other_school, first_name="Bo"), outsider, dt.date(2019, 1, 1)
    )
    device(
        other_school,
        "server",
        "B-OLD",
        manager=theirs,
        location=place(other_school, "C", lockable=True),
    )
    device(other_school, "server", "B-MINE", manager=managers["checked"])  # not their staff
    with CaptureQueriesContext(connection) as queries:
        both = devices.problems_by_school([school, other_school])
    assert len(queries) == 2
    assert both == {
        school.pk: devices.problems(school),
        other_school.pk: devices.problems(other_school),
    }
    assert both[school.pk]["manager_unchecked"] == 1
    assert both[other_school.pk] == {"unencrypted": 0, "server_unlocked": 1, "manager_unchecked": 1}
