"""Staff, pupil and contact rosters: matching, updating, leavers, re-runs and all-or-nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from bastion.core.models import AuditEvent
from bastion.people import import_jobs, scr
from bastion.people.models import Check, ImportJob, Kind, ParentLink, Person
from tests.people.importing import (
    PUPIL_HEADER,
    audit_actions,
    csv_bytes,
    data,
    directory_state,
    last_audit_id,
    refusal,
    run_import,
)

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def pupils_csv(*changes: tuple[int, int, str], drop: int | None = None) -> bytes:
    """The made-up pupils.csv, with (row, column, value) changes and one row dropped."""
    rows = [line.split(",") for line in data("pupils.csv").decode().splitlines()]
    for row, column, value in changes:
        rows[row][column] = value
    if drop is not None:
        del rows[drop]
    return csv_bytes(rows)


def test_a_pupil_roster_creates_pupils_with_year_groups_as_schools_write_them(school, office):
    job = run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    assert job.status == ImportJob.Status.DONE, job.errors
    assert job.summary["result"]["created"] == 5
    years = dict(Person.objects.filter(kind=Kind.PUPIL).values_list("mis_id", "year_group"))
    # "Year 3", "4", "R", "Y2", "Reception"
    assert years == {
        "H801200001001": "3",
        "H801200001002": "4",
        "H80120000100C": "R",
        "H801200001004": "2",
        "H801200001005": "R",
    }
    bram = Person.objects.get(mis_id="H801200001002")
    assert (bram.date_of_birth, bram.class_name, bram.left_on) == (dt.date(2016, 2, 14), "4A", None)


@pytest.mark.parametrize("year", ["Year 3", "Y3", "Yr 3", "year  03", "3"])
def test_the_ways_of_writing_year_3_all_mean_year_3(school, office, year):
    job = run_import(school, office, "pupils", "p.csv", pupils_csv((1, 4, year)))
    assert job.status == ImportJob.Status.DONE, job.errors
    assert Person.objects.get(mis_id="H801200001001").year_group == "3"


@pytest.mark.parametrize("year", ["Year 15", "Year", "X", "Nursery"])
def test_a_year_group_that_does_not_exist_is_refused(school, office, year):
    errors = refusal(school, office, "pupils", "p.csv", pupils_csv((1, 4, year)))
    assert errors == [f"Row 2, column “Year”: “{year}” is not a year group (N1, N2, R, 1 to 14)."]


def test_re_running_the_same_file_changes_nothing_and_audits_only_the_import(school, office):
    run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    before = directory_state(school)
    updated_at = list(Person.objects.order_by("pk").values_list("updated_at", flat=True))
    since = last_audit_id()

    job = run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))

    assert job.status == ImportJob.Status.DONE
    expected = {"created": 0, "updated": 0, "left": 0, "unchanged": 5, "links": 0, "unlinked": 0}
    assert job.summary["result"] == expected
    assert directory_state(school) == before
    assert list(Person.objects.order_by("pk").values_list("updated_at", flat=True)) == updated_at
    assert audit_actions(since) == ["people.import_uploaded", "people.imported"]
    summary = AuditEvent.objects.get(action="people.imported", pk__gt=since).changes
    assert (summary["created_ids"], summary["updated"], summary["left_ids"]) == ([], {}, [])


def test_a_changed_row_updates_that_pupil_only_as_the_preview_said(school, office):
    run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    job = import_jobs.job_create(
        actor=office, school=school, kind="pupils", filename="p.csv", data=pupils_csv((1, 5, "4C"))
    )
    job = import_jobs.job_plan(job=job)
    assert (job.summary["updated"], job.summary["unchanged"], job.summary["created"]) == (1, 4, 0)
    assert job.summary["samples"]["updated"] == [
        {"name": "Ada Okonkwo-Hale", "email": "", "changes": "class_name"}
    ]

    job = import_jobs.job_start(actor=office, job=job)

    assert job.summary["result"]["updated"] == 1
    assert Person.objects.get(mis_id="H801200001001").class_name == "4C"
    event = AuditEvent.objects.filter(action="people.imported").latest("pk")
    ada = Person.objects.get(mis_id="H801200001001")
    assert event.changes["updated"] == {str(ada.pk): {"class_name": ["3B", "4C"]}}


def test_pupils_missing_from_the_file_are_marked_as_left_today_and_archived(school, office):
    run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    job = run_import(school, office, "pupils", "p.csv", pupils_csv(drop=2))  # Bram's row
    assert job.summary["left"] == 1
    assert job.summary["samples"]["left"] == [{"name": "Bram Lindqvist", "email": ""}]
    assert job.summary["result"]["left"] == 1
    bram = Person.objects.get(mis_id="H801200001002")
    assert bram.left_on == dt.date(2026, 3, 2)
    assert Person.objects.filter(kind=Kind.PUPIL).count() == 5  # archived, not deleted
    assert Person.objects.current().filter(kind=Kind.PUPIL).count() == 4


def test_nobody_is_marked_as_left_when_the_box_is_unticked(school, office):
    run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    job = run_import(school, office, "pupils", "p.csv", pupils_csv(drop=2), mark_leavers=False)
    assert job.summary["result"]["left"] == 0
    assert not Person.objects.filter(left_on__isnull=False).exists()


def test_a_leaver_back_on_the_roster_is_current_again(school, office):
    run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    run_import(school, office, "pupils", "p.csv", pupils_csv(drop=2))
    job = run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    assert job.summary["result"]["updated"] == 1
    assert Person.objects.get(mis_id="H801200001002").left_on is None


def test_a_missing_required_column_refuses_the_file(school, office):
    rows = [["UPN", "Forename", "Surname", "Year"], ["H801200001001", "Ada", "Okonkwo-Hale", "3"]]
    errors = refusal(school, office, "pupils", "p.csv", csv_bytes(rows))
    assert errors == [
        "The file has no column for: Date of birth. Choose the column that holds it, or add it "
        "to the file."
    ]
    assert not Person.objects.exists()


def test_one_bad_date_refuses_the_whole_file_naming_row_and_column(school, office):
    errors = refusal(school, office, "pupils", "p.csv", pupils_csv((4, 3, "2018-13-11")))
    assert errors == [
        "Row 5, column “DOB”: “2018-13-11” is not a date (use 2024-09-01 or 01/09/2024)."
    ]
    assert not Person.objects.exists()  # the four good rows were not imported either


def test_a_date_of_birth_in_the_future_is_refused(school, office):
    errors = refusal(school, office, "pupils", "p.csv", pupils_csv((1, 3, "2027-01-01")))
    assert errors == ["Row 2, column “DOB”: “2027-01-01” is in the future."]


def test_every_bad_cell_is_listed_not_only_the_first(school, office):
    errors = refusal(
        school,
        office,
        "pupils",
        "p.csv",
        pupils_csv((1, 0, "12345"), (2, 1, ""), (3, 4, "Year 99"), (4, 2, "x" * 101)),
    )
    assert errors == [
        "Row 2, column “UPN”: “12345” is not a UPN (a letter, 11 digits, then a digit or letter).",
        "Row 3, column “Legal Forename”: First name is missing.",
        "Row 4, column “Year”: “Year 99” is not a year group (N1, N2, R, 1 to 14).",
        "Row 5, column “Legal Surname”: is longer than 100 characters.",
    ]


def test_a_duplicate_upn_names_both_rows(school, office):
    errors = refusal(school, office, "pupils", "p.csv", pupils_csv((4, 0, "H801200001002")))
    assert errors == ["Row 5, column “UPN”: “H801200001002” is also on row 3."]


def test_a_mapping_that_names_the_same_column_twice_is_refused(school, office):
    mapping = {
        "mis_id": "UPN",
        "first_name": "Legal Surname",
        "last_name": "Legal Surname",
        "date_of_birth": "DOB",
        "year_group": "Year",
    }
    errors = refusal(school, office, "pupils", "p.csv", data("pupils.csv"), mapping=mapping)
    assert errors == [
        "The column “Legal Surname” is chosen for more than one field: choose one column for each."
    ]


# ---- staff ------------------------------------------------------------------------------------


def test_a_staff_roster_keeps_roles_contracts_and_dates(school, office):
    job = run_import(school, office, "staff", "staff.csv", data("staff.csv"))
    assert job.status == ImportJob.Status.DONE, job.errors
    lena = Person.objects.get(mis_id="T003")
    assert (lena.kind, lena.contract, lena.agency_name, lena.started_on, lena.teaching_role) == (
        Kind.STAFF,
        "agency",
        "Northbridge Supply",
        dt.date(2025, 4, 22),
        True,
    )
    moses = Person.objects.get(email="m.tregarth@ashmole.example.org")
    assert (moses.mis_id, moses.job_title) == ("", "Site manager")


def test_a_staff_import_computes_single_central_record_entries(school, office):
    run_import(school, office, "staff", "staff.csv", data("staff.csv"))
    for person in Person.objects.filter(kind=Kind.STAFF):
        assert person.scr.missing.split(",") == scr.required_checks(person)
        assert person.scr.complete is False
    assert set(Person.objects.get(mis_id="T003").scr.missing.split(",")) == {
        Check.IDENTITY,
        Check.AGENCY_CONFIRMATION,
    }
    assert Check.PROHIBITION in Person.objects.get(mis_id="T001").scr.missing


def test_staff_are_matched_by_email_when_there_is_no_code(school, office):
    added_by_hand = Person.objects.create(
        school=school,
        kind=Kind.STAFF,
        first_name="Imogen",
        last_name="Farrow",
        email="I.Farrow@ashmole.example.org",
    )
    run_import(school, office, "staff", "staff.csv", data("staff.csv"))
    added_by_hand.refresh_from_db()
    assert added_by_hand.mis_id == "T001"  # matched by e-mail, given the code, not duplicated
    assert Person.objects.filter(kind=Kind.STAFF, first_name="Imogen").count() == 1

    # A later file without the code still finds her by e-mail and keeps the code.
    rows = [
        ["Forename", "Surname", "Email", "Role"],
        ["Imogen", "Farrow", "i.farrow@ashmole.example.org", "Deputy head"],
    ]
    job = run_import(school, office, "staff", "s.csv", csv_bytes(rows), mark_leavers=False)
    assert job.summary["result"] == {
        "created": 0,
        "updated": 1,
        "left": 0,
        "unchanged": 0,
        "links": 0,
        "unlinked": 0,
    }
    added_by_hand.refresh_from_db()
    assert (added_by_hand.mis_id, added_by_hand.job_title) == ("T001", "Deputy head")


def test_two_rows_that_are_the_same_person_are_refused(school, office):
    Person.objects.create(
        school=school,
        kind=Kind.STAFF,
        first_name="Imogen",
        last_name="Farrow",
        mis_id="T001",
        email="i.farrow@ashmole.example.org",
    )
    rows = [
        ["Staff code", "Forename", "Surname", "Email"],
        ["T001", "Imogen", "Farrow", ""],
        ["", "Imogen", "Farrow", "i.farrow@ashmole.example.org"],
    ]
    errors = refusal(school, office, "staff", "s.csv", csv_bytes(rows))
    assert errors == ["Row 3: this is the same person (Imogen Farrow) as on row 2."]


def test_a_member_of_staff_with_neither_code_nor_email_is_refused(school, office):
    rows = [["Staff code", "Forename", "Surname", "Email"], ["", "Moses", "Tregarth", ""]]
    errors = refusal(school, office, "staff", "s.csv", csv_bytes(rows))
    assert errors == ["Row 2: a member of staff needs a staff code or an e-mail address."]


def test_a_duplicate_staff_email_is_refused(school, office):
    rows = [
        ["Staff code", "Forename", "Surname", "Email"],
        ["T1", "Ann", "Ash", "office@ashmole.example.org"],
        ["T2", "Ben", "Birch", "OFFICE@ashmole.example.org"],
    ]
    errors = refusal(school, office, "staff", "s.csv", csv_bytes(rows))
    assert errors == ["Row 3, column “Email”: “office@ashmole.example.org” is also on row 2."]


# ---- contacts ---------------------------------------------------------------------------------


def test_contacts_link_parents_to_pupils_with_relationship_and_parental_responsibility(
    school, office
):
    run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    job = run_import(school, office, "contacts", "contacts.csv", data("contacts.csv"))
    assert job.status == ImportJob.Status.DONE, job.errors
    assert (job.summary["created"], job.summary["links"]) == (4, 5)
    links = {
        (link.parent.mis_id, link.child.mis_id): (
            link.relationship,
            link.parental_responsibility,
            link.contact_priority,
        )
        for link in ParentLink.objects.select_related("parent", "child")
    }
    assert links == {
        ("C9001", "H801200001001"): ("mother", True, 1),
        ("C9002", "H801200001001"): ("father", True, 2),
        ("C9003", "H801200001002"): ("mother", True, 1),
        ("C9003", "H80120000100C"): ("mother", True, 1),
        ("C9004", "H80120000100C"): ("grandparent", False, 2),
    }
    # A parent of two pupils is one person.
    assert Person.objects.filter(kind=Kind.PARENT, mis_id="C9003").count() == 1
    assert Person.objects.filter(kind=Kind.PARENT).count() == 4


def test_re_running_a_contacts_file_changes_nothing(school, office):
    run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    run_import(school, office, "contacts", "contacts.csv", data("contacts.csv"))
    before = directory_state(school)
    job = run_import(school, office, "contacts", "contacts.csv", data("contacts.csv"))
    assert job.summary["result"] == {
        "created": 0,
        "updated": 0,
        "left": 0,
        "unchanged": 4,
        "links": 0,
        "unlinked": 0,
    }
    assert directory_state(school) == before


def test_a_contact_the_file_no_longer_lists_is_unlinked_and_marked_as_left(school, office):
    run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    run_import(school, office, "contacts", "contacts.csv", data("contacts.csv"))
    rows = [line.split(",") for line in data("contacts.csv").decode().splitlines()]
    rows[5][7] = "No"  # Ruth no longer has parental responsibility
    del rows[2]  # Piers, Ada's father
    job = run_import(school, office, "contacts", "c.csv", csv_bytes(rows))
    assert job.summary["result"] == {
        "created": 0,
        "updated": 0,
        "left": 1,
        "unchanged": 3,
        "links": 0,
        "unlinked": 1,
    }
    assert not ParentLink.objects.filter(parent__mis_id="C9002").exists()
    assert Person.objects.get(mis_id="C9002").left_on == dt.date(2026, 3, 2)


def test_a_changed_relationship_is_a_changed_link(school, office):
    run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    run_import(school, office, "contacts", "contacts.csv", data("contacts.csv"))
    rows = [line.split(",") for line in data("contacts.csv").decode().splitlines()]
    rows[5][7] = "Yes"
    job = run_import(school, office, "contacts", "c.csv", csv_bytes(rows))
    assert (job.summary["links"], job.summary["result"]["links"]) == (1, 1)
    assert ParentLink.objects.get(parent__mis_id="C9004").parental_responsibility is True


def test_contacts_of_a_pupil_not_in_the_directory_are_refused(school, office):
    errors = refusal(school, office, "contacts", "contacts.csv", data("contacts.csv"))
    assert errors[0] == (
        "Row 2: there is no pupil with UPN H801200001001 in the directory. Import the pupils first."
    )
    assert len(errors) == 5
    assert not Person.objects.exists()


def test_one_contact_id_with_two_names_is_refused(school, office):
    run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    rows = [line.split(",") for line in data("contacts.csv").decode().splitlines()]
    rows[4][1] = "Inga"
    errors = refusal(school, office, "contacts", "c.csv", csv_bytes(rows))
    assert errors == [
        "Row 5: contact id “C9003” has another name on row 4; one id must mean one person."
    ]


def test_the_same_contact_twice_for_one_pupil_is_refused(school, office):
    run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    rows = [line.split(",") for line in data("contacts.csv").decode().splitlines()]
    rows.append(rows[1])
    errors = refusal(school, office, "contacts", "c.csv", csv_bytes(rows))
    assert errors == ["Row 7, column “Contact ID”: “C9001, pupil H801200001001” is also on row 2."]


# ---- the preview is what happens; all or nothing ----------------------------------------------


def test_an_import_whose_preview_went_stale_shows_the_new_preview_instead(school, office):
    job = import_jobs.job_create(
        actor=office, school=school, kind="pupils", filename="p.csv", data=data("pupils.csv")
    )
    job = import_jobs.job_plan(job=job)
    assert job.summary["created"] == 5
    Person.objects.create(
        school=school,
        kind=Kind.PUPIL,
        mis_id="H801200001001",
        first_name="Ada",
        last_name="Okonkwo-Hale",
        year_group="3",
        date_of_birth=dt.date(2017, 5, 1),
    )

    job = import_jobs.job_start(actor=office, job=job)

    assert job.status == ImportJob.Status.PLANNED
    assert job.errors == [import_jobs.CHANGED]
    assert (job.summary["created"], job.summary["updated"]) == (4, 1)
    assert Person.objects.count() == 1

    job = import_jobs.job_start(actor=office, job=job)
    assert job.status == ImportJob.Status.DONE
    assert job.summary["result"]["created"] == 4


def test_an_error_while_writing_leaves_the_directory_as_it_was(school, office, monkeypatch):
    run_import(school, office, "staff", "staff.csv", data("staff.csv"))
    before = directory_state(school)
    rows = [line.split(",") for line in data("staff.csv").decode().splitlines()]
    rows[1][4] = "Deputy head"
    rows.append(
        ["T009", "Nell", "Odu", "n.odu@ashmole.example.org", "Cook", "", "", "", "", "", ""]
    )

    def broken(people):
        raise RuntimeError("disk full")

    monkeypatch.setattr(scr, "refresh_entries", broken)  # after the people are written
    job = run_import(school, office, "staff", "s.csv", csv_bytes(rows))

    assert job.status == ImportJob.Status.FAILED
    assert "nothing was changed" in job.errors[0]
    assert directory_state(school) == before
    assert bytes(job.payload) == b""  # the file is not kept once the job is over


def test_confirming_twice_imports_once(school, office):
    job = import_jobs.job_create(
        actor=office, school=school, kind="pupils", filename="p.csv", data=data("pupils.csv")
    )
    job = import_jobs.job_plan(job=job)
    import_jobs.job_start(actor=office, job=job)
    import_jobs.job_start(actor=office, job=job)
    assert Person.objects.count() == 5
    assert AuditEvent.objects.filter(action="people.imported").count() == 1


def test_uploads_left_unimported_for_a_week_lose_their_file(school, office):
    job = import_jobs.job_create(
        actor=office, school=school, kind="pupils", filename="p.csv", data=data("pupils.csv")
    )
    with time_machine.travel(TODAY + dt.timedelta(days=6), tick=False):
        assert import_jobs.forget_unfinished() == 0
    with time_machine.travel(TODAY + dt.timedelta(days=8), tick=False):
        assert import_jobs.forget_unfinished() == 1
    job.refresh_from_db()
    assert (job.status, bytes(job.payload)) == (ImportJob.Status.FAILED, b"")


def test_a_file_with_only_some_columns_leaves_the_others_alone(school, office):
    run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    rows = [[h for h in PUPIL_HEADER if h != "Reg Group"]]
    rows += [
        r[:5] for r in (line.split(",") for line in data("pupils.csv").decode().splitlines()[1:])
    ]
    job = run_import(school, office, "pupils", "p.csv", csv_bytes(rows))
    assert job.summary["result"]["unchanged"] == 5
    assert Person.objects.get(mis_id="H801200001001").class_name == "3B"


def test_imported_people_are_found_by_their_folded_names(school, office):
    header = ["UPN", "Legal Forename", "Legal Surname", "DOB", "Year", "Reg Group"]
    rows = [header, ["H801200001002", "Zoë", "O'Neill", "2016-02-14", "4", "4A"]]
    run_import(school, office, "pupils", "p.csv", csv_bytes(rows))  # bulk_create
    assert Person.objects.get().search_name == "zoeoneill"
    rows[1][2] = "Ní Bhriain"
    run_import(school, office, "pupils", "p.csv", csv_bytes(rows))  # bulk_update
    assert Person.objects.get().search_name == "zoenibhriain"
