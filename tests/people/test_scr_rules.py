"""Single Central Record rules: which checks each person needs, and what their entry says.

The helpers at the top are shared by the other SCR test files.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.people import scr
from bastion.people.models import Kind, PeopleSettings, Person, SCRCheck, SCREntry
from bastion.people.services import person_create, person_leave, scr_check_record, scr_entry_update

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)  # a Monday
NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
DBS_NUMBER = "001234567890"


def add_person(actor, school, **data) -> Person:
    """A person made the way the app makes them (their SCR entry computed)."""
    values = {
        "kind": Kind.STAFF,
        "first_name": "Ada",
        "last_name": "Quill",
        "contract": "permanent",
        "started_on": dt.date(2024, 9, 2),
    }
    return person_create(actor=actor, school=school, data={**values, **data})


def record(person, check, actor, on=dt.date(2024, 8, 20), state="done", **extra) -> SCRCheck:
    data = {"state": state, "done_on": on if state != "action_needed" else None}
    data["checked_by"] = extra.pop("checked_by", "Olu Office")
    data["reference"] = extra.pop("reference", DBS_NUMBER if check == "dbs" else "")
    data.update(extra)
    return scr_check_record(
        actor=actor, school=person.school, person=person, check=check, data=data
    )


def complete(person, actor, on=dt.date(2024, 8, 20)) -> Person:
    for check in scr.required_checks(person):
        record(person, check, actor, on=on)
    return person


def entry(person) -> SCREntry:
    return SCREntry.objects.get(person=person)


def set_recheck(school, years):
    PeopleSettings.objects.update_or_create(school=school, defaults={"dbs_recheck_years": years})


@pytest.fixture
def today(time_machine):
    time_machine.move_to(NOON, tick=False)
    return TODAY


# Which checks each person needs ----------------------------------------------------------------

STAFF_CORE = ["identity", "dbs", "barred_list", "right_to_work"]

RULES = [
    # (kind, contract, flags, checks)
    ("staff", "permanent", {}, STAFF_CORE),
    ("staff", "", {}, STAFF_CORE),
    ("staff", "fixed_term", {}, STAFF_CORE),
    ("staff", "casual", {}, STAFF_CORE),
    (
        "staff",
        "permanent",
        {"teaching_role": True},
        ["identity", "dbs", "barred_list", "prohibition", "right_to_work"],
    ),
    (
        "staff",
        "permanent",
        {"management_role": True},
        ["identity", "dbs", "barred_list", "section_128", "right_to_work"],
    ),
    (
        "staff",
        "permanent",
        {"lived_overseas": True},
        ["identity", "dbs", "barred_list", "overseas", "right_to_work"],
    ),
    (
        "staff",
        "permanent",
        {"qualifications_required": True},
        [*STAFF_CORE, "qualifications"],
    ),
    (
        "staff",
        "supply",
        {"teaching_role": True},
        ["identity", "dbs", "barred_list", "prohibition", "right_to_work"],
    ),
    (
        "staff",
        "agency",
        {"teaching_role": True, "lived_overseas": True, "qualifications_required": True},
        ["identity", "agency_confirmation"],
    ),
    (
        "staff",
        "agency",
        {"management_role": True},
        ["identity", "section_128", "agency_confirmation"],
    ),
    ("governor", "", {}, ["identity", "dbs", "section_128"]),
    (
        "governor",
        "",
        {"regulated_activity": True},
        ["identity", "dbs", "barred_list", "section_128"],
    ),
    ("governor", "", {"lived_overseas": True}, ["identity", "dbs", "section_128", "overseas"]),
    ("volunteer", "", {"regulated_activity": True}, ["identity", "dbs", "barred_list"]),
    ("volunteer", "", {}, []),
    ("volunteer", "", {"lived_overseas": True, "teaching_role": True}, []),
    ("contractor", "", {}, ["identity", "dbs"]),
    ("contractor", "", {"regulated_activity": True}, ["identity", "dbs", "barred_list"]),
    ("pupil", "", {}, []),
    ("parent", "", {"management_role": True}, []),
]


@pytest.mark.parametrize(("kind", "contract", "flags", "checks"), RULES)
def test_each_kind_of_person_needs_the_checks_kcsie_lists(kind, contract, flags, checks):
    person = Person(kind=kind, contract=contract, **flags)
    assert scr.required_checks(person) == checks
    assert scr.in_scope(person) is bool(checks)


def test_the_scope_query_holds_exactly_the_people_the_rules_give_checks_to(school, office):
    for n, (kind, contract, flags, _) in enumerate(RULES):
        extra = {"date_of_birth": dt.date(2018, 1, 1), "year_group": "2"} if kind == "pupil" else {}
        add_person(
            office, school, kind=kind, contract=contract, last_name=f"P{n}", **flags, **extra
        )
    in_query = set(Person.objects.in_scr_scope().values_list("last_name", flat=True))
    by_rules = {p.last_name for p in Person.objects.all() if scr.in_scope(p)}
    assert in_query == by_rules
    assert len(by_rules) == sum(1 for *_, checks in RULES if checks)


# Evaluating an entry ---------------------------------------------------------------------------


def test_a_new_member_of_staff_starts_with_every_check_missing(school, office, today):
    person = add_person(office, school)
    assert entry(person).missing == "identity,dbs,barred_list,right_to_work"
    assert entry(person).missing_checks == [
        "Identity",
        "Enhanced DBS certificate",
        "Children's barred list",
        "Right to work in the UK",
    ]
    assert entry(person).complete is False


def test_recording_every_required_check_completes_the_entry(school, office, today):
    person = add_person(office, school, teaching_role=True)
    for check in ["identity", "dbs", "barred_list", "prohibition"]:
        record(person, check, office)
        assert entry(person).complete is False
    record(person, "right_to_work", office)
    assert (entry(person).missing, entry(person).complete) == ("", True)
    assert entry(person).dbs_on == dt.date(2024, 8, 20)


def test_not_required_stands_for_a_check_the_role_does_not_need(school, office, today):
    person = complete(add_person(office, school), office)
    record(person, "overseas", office, state="not_required", on=None)
    assert entry(person).complete is True
    states = {s.check.value: s.status for s in scr.check_states(person, person.scr_checks.all())}
    assert states["overseas"] == scr.NOT_REQUIRED
    assert states["prohibition"] == scr.NOT_APPLICABLE


def test_not_required_on_a_check_the_role_needs_is_still_missing(school, office, today):
    person = complete(add_person(office, school), office)
    record(person, "barred_list", office, state="not_required", on=None)
    assert entry(person).missing == "barred_list"
    assert entry(person).complete is False


def test_a_role_change_reopens_a_check_once_marked_not_required(school, office, today):
    person = complete(add_person(office, school, job_title="Teaching assistant"), office)
    record(person, "prohibition", office, state="not_required", on=None)
    assert entry(person).complete is True

    from bastion.people.services import person_update

    person_update(actor=office, school=school, person=person, data={"teaching_role": True})

    assert entry(person).missing == "prohibition"


def test_action_needed_is_a_gap_even_on_a_check_the_role_does_not_need(school, office, today):
    person = complete(add_person(office, school), office)
    record(person, "dbs", office, state="action_needed")
    assert entry(person).missing == "dbs"
    record(person, "dbs", office)
    record(person, "overseas", office, state="action_needed")
    assert entry(person).missing == "overseas"


def test_starting_before_the_dbs_certificate_needs_a_risk_assessment(school, office, today):
    person = complete(add_person(office, school, started_on=dt.date(2025, 9, 1)), office)
    record(person, "dbs", office, on=dt.date(2025, 9, 20))
    assert (entry(person).started_before_dbs, entry(person).complete) == (True, False)

    scr_entry_update(
        actor=office,
        school=school,
        person=person,
        data={"risk_assessment_on": dt.date(2025, 8, 29), "risk_assessment_note": "Supervised"},
    )

    assert (entry(person).started_before_dbs, entry(person).complete) == (False, True)


def test_a_risk_assessment_made_after_the_certificate_arrived_does_not_count(school, office, today):
    person = complete(add_person(office, school, started_on=dt.date(2025, 9, 1)), office)
    record(person, "dbs", office, on=dt.date(2025, 9, 20))
    scr_entry_update(
        actor=office,
        school=school,
        person=person,
        data={"risk_assessment_on": dt.date(2025, 10, 1)},
    )
    assert entry(person).started_before_dbs is True


def test_a_certificate_dated_on_the_start_day_is_in_time(school, office, today):
    person = complete(add_person(office, school, started_on=dt.date(2025, 9, 1)), office)
    record(person, "dbs", office, on=dt.date(2025, 9, 1))
    assert (entry(person).started_before_dbs, entry(person).complete) == (False, True)


def test_working_with_no_dbs_at_all_is_flagged_and_a_risk_assessment_does_not_complete_it(
    school, office, today
):
    person = add_person(office, school, started_on=dt.date(2026, 2, 2))
    assert entry(person).started_before_dbs is True
    scr_entry_update(
        actor=office, school=school, person=person, data={"risk_assessment_on": dt.date(2026, 2, 1)}
    )
    assert entry(person).started_before_dbs is False
    assert "dbs" in entry(person).missing
    assert entry(person).complete is False


def test_agency_staff_need_no_dbs_of_the_school_so_never_start_before_it(school, office, today):
    person = add_person(office, school, contract="agency", started_on=dt.date(2026, 2, 2))
    complete(person, office, on=dt.date(2026, 2, 2))
    assert (entry(person).started_before_dbs, entry(person).complete) == (False, True)
    assert entry(person).dbs_on is None


# Re-checks and the Update Service -------------------------------------------------------------


def _clear(person) -> bool:
    return scr.has_clear_scr(person)


def test_a_dbs_older_than_the_schools_period_is_due_for_a_re_check(school, office, today):
    set_recheck(school, 3)
    person = complete(add_person(office, school), office, on=dt.date(2022, 6, 1))
    assert entry(person).complete is True
    assert _clear(person) is False
    assert list(Person.objects.filter(scr.recheck_due_q(scr.recheck_cutoff(school)))) == [person]


def test_the_re_check_falls_due_the_day_after_the_period_ends(school, office, time_machine):
    set_recheck(school, 3)
    time_machine.move_to(dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC), tick=False)
    person = complete(add_person(office, school), office, on=dt.date(2023, 3, 10))
    assert _clear(person) is True
    time_machine.move_to(dt.datetime(2026, 3, 11, 12, tzinfo=dt.UTC), tick=False)
    assert _clear(person) is False


def test_an_update_service_check_since_the_cut_off_counts_as_a_re_check(school, office, today):
    set_recheck(school, 3)
    person = complete(add_person(office, school), office, on=dt.date(2020, 6, 1))
    scr_entry_update(
        actor=office,
        school=school,
        person=person,
        data={"update_service": True, "update_service_checked_on": dt.date(2025, 9, 1)},
    )
    assert _clear(person) is True
    assert not Person.objects.filter(scr.recheck_due_q(scr.recheck_cutoff(school))).exists()


@pytest.mark.parametrize(
    ("subscribed", "checked_on"),
    [(True, dt.date(2022, 12, 1)), (True, None), (False, dt.date(2025, 9, 1))],
    ids=["status-check-before-the-cut-off", "subscribed-never-checked", "not-subscribed"],
)
def test_an_old_dbs_without_a_recent_update_service_check_is_due(
    school, office, today, subscribed, checked_on
):
    set_recheck(school, 3)
    person = complete(add_person(office, school), office, on=dt.date(2020, 6, 1))
    SCREntry.objects.filter(person=person).update(
        update_service=subscribed, update_service_checked_on=checked_on
    )
    cutoff = scr.recheck_cutoff(school)
    assert _clear(person) is False
    assert list(Person.objects.filter(scr.recheck_due_q(cutoff))) == [person]
    assert scr.recheck_due(entry(person), cutoff) is True


def test_a_dbs_the_agency_vouched_for_is_not_the_schools_to_re_check(school, office, today):
    set_recheck(school, 3)
    person = complete(add_person(office, school, contract="agency"), office)
    record(person, "dbs", office, on=dt.date(2019, 5, 1))
    assert entry(person).dbs_on is None
    assert _clear(person) is True


def test_no_re_check_is_ever_due_when_the_school_sets_no_period(school, office, today):
    person = complete(add_person(office, school), office, on=dt.date(2004, 6, 1))
    assert scr.recheck_cutoff(school) is None
    assert _clear(person) is True
    set_recheck(school, None)
    assert _clear(person) is True
    set_recheck(school, 10)
    assert _clear(person) is False


# Leavers and other registers ------------------------------------------------------------------


def test_a_leaver_has_no_clear_entry_from_the_day_they_leave(school, office, today):
    person = complete(add_person(office, school), office)
    person_leave(actor=office, school=school, person=person, left_on=dt.date(2026, 3, 20))
    assert _clear(person) is True  # still working out their notice

    person_leave(actor=office, school=school, person=person, left_on=TODAY)

    assert _clear(person) is False


def test_with_clear_scr_keeps_only_people_of_that_school_with_complete_entries(
    school, other_school, office, outsider, today
):
    clear = complete(add_person(office, school, first_name="Clara"), office)
    gaps = add_person(office, school, first_name="Gus")
    elsewhere = complete(add_person(outsider, other_school, first_name="Elsa"), outsider)
    pupil = add_person(
        office, school, kind="pupil", date_of_birth=dt.date(2018, 1, 1), year_group="2"
    )

    people = scr.with_clear_scr(Person.objects.all(), school)

    assert list(people) == [clear]
    assert [scr.has_clear_scr(p) for p in (clear, gaps, elsewhere, pupil)] == [
        True,
        False,
        True,
        False,
    ]


def test_bulk_refresh_stores_the_same_entries_as_one_by_one(school, office, today):
    made = [
        add_person(office, school, last_name="One"),
        add_person(office, school, last_name="Two", contract="agency"),
        add_person(office, school, last_name="Three", kind="governor", started_on=None),
    ]
    complete(made[1], office)
    record(made[0], "dbs", office, on=dt.date(2024, 9, 10))
    fresh = Person.objects.bulk_create(
        [
            Person(
                school=school,
                kind="volunteer",
                regulated_activity=True,
                first_name="V",
                last_name="Four",
            )
        ]
    )
    expected = {p.pk: scr.evaluate(p, p.scr_checks.all(), None) for p in made + fresh}
    SCREntry.objects.update(missing="", complete=True, started_before_dbs=False)

    assert scr.refresh_entries(Person.objects.all()) == 4

    stored = {
        e.person_id: (e.missing, e.complete, e.started_before_dbs) for e in SCREntry.objects.all()
    }
    assert stored == {
        pk: (",".join(r.missing), r.complete, r.started_before_dbs) for pk, r in expected.items()
    }
