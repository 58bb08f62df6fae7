"""Undoing an applied import within a day: what comes back, what stays, who may, and when not."""

from __future__ import annotations

import datetime as dt
import html

import pytest
import time_machine

from bastion.core.models import AuditEvent
from bastion.people import import_jobs, import_undo, services
from bastion.people.import_files import ImportRefused
from bastion.people.models import Check, ImportJob, Kind, ParentLink, Person, SCRCheck, SCREntry
from tests.people.importing import csv_bytes, data, directory_state, run_import

pytestmark = pytest.mark.django_db
APPLIED = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _applied():
    with time_machine.travel(APPLIED, tick=False) as traveller:
        yield traveller


def later(traveller, **delta):
    traveller.move_to(APPLIED + dt.timedelta(**delta))


def pupils_csv(*changes, drop=None, extra=()) -> bytes:
    rows = [line.split(",") for line in data("pupils.csv").decode().splitlines()]
    for row, column, value in changes:
        rows[row][column] = value
    if drop is not None:
        del rows[drop]
    return csv_bytes([*rows, *extra])


NEW_PUPIL = ["H801200001099", "Wren", "Halloway", "2016-06-01", "4", "4A"]


def undo(job, actor):
    job.refresh_from_db()
    return import_undo.import_undo(actor=actor, school=job.school, job=job)


def test_undo_restores_the_directory_as_it_was_and_is_audited(school, office, _applied):
    run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    before = directory_state(school)
    content = pupils_csv((1, 5, "3C"), (2, 2, "Lindqvist-Berg"), drop=3, extra=[NEW_PUPIL])
    job = run_import(school, office, "pupils", "p.csv", content)
    assert job.summary["result"] | {"unchanged": 0} == {
        "created": 1,
        "updated": 2,
        "left": 1,
        "unchanged": 0,
        "links": 0,
        "unlinked": 0,
    }
    later(_applied, hours=2)

    result = undo(job, office)
    assert result["removed"] == ["Wren Halloway"]
    assert sorted(result["restored"]) == ["Ada Okonkwo-Hale", "Bram Lindqvist"]
    assert len(result["returned"]) == 1
    assert result["skipped"] == [] and result["kept"] == []
    assert directory_state(school) == before
    assert Person.objects.get(mis_id="H801200001002").search_name == "bramlindqvist"
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UNDONE
    assert job.undone_by == office
    event = AuditEvent.objects.filter(action="people.import_undone").get()
    assert event.actor == office and event.school == school
    assert len(event.changes["removed_ids"]) == 1
    assert len(event.changes["restored_ids"]) == 2


def test_undo_twice_is_refused_and_changes_nothing_more(school, office, _applied):
    job = run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    undo(job, office)
    state = directory_state(school)
    with pytest.raises(ImportRefused) as refused:
        undo(job, office)
    assert refused.value.errors == ["This import has already been undone."]
    assert directory_state(school) == state
    assert AuditEvent.objects.filter(action="people.import_undone").count() == 1


def test_undo_after_a_day_is_refused_with_the_reason(school, office, _applied):
    job = run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    later(_applied, hours=24, minutes=1)
    state = directory_state(school)
    with pytest.raises(ImportRefused) as refused:
        undo(job, office)
    assert refused.value.errors[0].startswith(
        "An import can be undone for 24 hours after it is applied; this one was applied on "
        "2 March 2026 at 10:00."
    )
    assert directory_state(school) == state
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE


def test_what_undoing_needs_is_forgotten_by_run_schedule_after_the_day(school, office, _applied):
    job = run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    import_jobs.run_queued()
    assert ImportJob.objects.get(pk=job.pk).undo  # still within the day
    later(_applied, hours=25)
    import_jobs.run_queued()
    assert ImportJob.objects.get(pk=job.pk).undo == []


def test_someone_changed_after_the_import_is_left_alone_and_named(school, office, _applied):
    run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    job = run_import(school, office, "pupils", "p.csv", pupils_csv((1, 5, "3C"), (2, 5, "4B")))
    later(_applied, hours=1)
    bram = Person.objects.get(mis_id="H801200001002")
    services.person_update(actor=office, school=school, person=bram, data={"phone": "01632 960"})
    later(_applied, hours=2)

    result = undo(job, office)
    assert result["skipped"] == ["Bram Lindqvist"]
    assert result["restored"] == ["Ada Okonkwo-Hale"]
    assert Person.objects.get(mis_id="H801200001001").class_name == "3B"
    bram.refresh_from_db()
    assert (bram.class_name, bram.phone) == ("4B", "01632 960")


def test_people_the_import_added_stay_as_left_when_other_records_refer_to_them(
    school, office, _applied
):
    job = run_import(school, office, "staff", "staff.csv", data("staff.csv"))
    assert SCREntry.objects.count() >= 2  # computed by the import: these do not keep anyone
    imogen = Person.objects.get(mis_id="T001")
    services.scr_check_record(
        actor=office,
        school=school,
        person=imogen,
        check=Check.IDENTITY,
        data={"state": "done", "done_on": dt.date(2026, 3, 2), "checked_by": "Olu Office"},
    )
    later(_applied, hours=1)

    result = undo(job, office)
    assert result["kept"] == ["Imogen Farrow"]
    assert "Kwame Ashdown" in result["removed"]
    assert list(Person.objects.values_list("mis_id", flat=True)) == ["T001"]
    imogen.refresh_from_db()
    assert imogen.left_on == dt.date(2026, 3, 2)
    assert SCRCheck.objects.filter(person=imogen).exists()


def test_undoing_a_contacts_import_puts_the_links_back(school, office, _applied):
    run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    run_import(school, office, "contacts", "contacts.csv", data("contacts.csv"))
    before = directory_state(school)
    rows = [line.split(",") for line in data("contacts.csv").decode().splitlines()]
    rows[5][7] = "No"  # Ruth: responsibility changed
    del rows[2]  # Piers: unlinked and marked as left
    rows.append(["C9010", "Tomas", "Reyes", "", "", "H801200001002", "Father", "Yes", "2"])
    job = run_import(school, office, "contacts", "c.csv", csv_bytes(rows))
    assert job.summary["result"]["unlinked"] == 1
    assert ParentLink.objects.filter(parent__mis_id="C9010").exists()
    later(_applied, hours=1)

    undo(job, office)
    people, links, entries = directory_state(school)
    assert (people, sorted(links), entries) == (before[0], sorted(before[1]), before[2])
    assert not Person.objects.filter(mis_id="C9010").exists()


def test_the_result_page_offers_undo_and_then_says_what_it_did(client_for, office, school):
    job = run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    client = client_for(office)
    url = f"/s/{school.slug}/people/import/{job.pk}/"
    page = html.unescape(client.get(url).text)
    assert "Undo this import" in page
    assert "until 3 March 2026 at 10:00" in page

    response = client.post(url + "undo/", follow=True)
    page = html.unescape(response.text)
    assert "The import is undone." in page
    assert "Import undone" in page
    assert "5 removed, 0 current again, 0 changed back" in page
    assert "Undo this import" not in page
    assert not Person.objects.exists()

    page = html.unescape(client.post(url + "undo/", follow=True).text)
    assert "This import has already been undone." in page


def test_the_page_names_people_left_alone_by_the_undo(client_for, office, school, _applied):
    run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    job = run_import(school, office, "pupils", "p.csv", pupils_csv((2, 5, "4B")))
    later(_applied, hours=1)
    bram = Person.objects.get(mis_id="H801200001002")
    services.person_update(actor=office, school=school, person=bram, data={"phone": "01632 960"})
    later(_applied, hours=2)
    client = client_for(office)
    url = f"/s/{school.slug}/people/import/{job.pk}/"
    page = client.post(url + "undo/", follow=True).text
    assert "changed after the import: Bram Lindqvist. Check them by hand." in page


def test_after_a_day_the_page_no_longer_offers_undo(client_for, office, school, _applied):
    job = run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    later(_applied, hours=25)
    client = client_for(office)
    url = f"/s/{school.slug}/people/import/{job.pk}/"
    assert "Undo this import" not in client.get(url).text
    page = html.unescape(client.post(url + "undo/", follow=True).text)
    assert "An import can be undone for 24 hours after it is applied" in page
    assert Person.objects.count() == 5


@pytest.mark.parametrize("persona", ["dpo", "it_lead", "staff"])
def test_only_those_who_may_import_may_undo(request, client_for, office, school, persona):
    job = run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    client = client_for(request.getfixturevalue(persona))
    response = client.post(f"/s/{school.slug}/people/import/{job.pk}/undo/")
    assert response.status_code in (403, 404)
    assert Person.objects.count() == 5


def test_the_siro_may_undo(client_for, office, siro, school):
    job = run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    siro_client = client_for(siro)
    siro_client.post(f"/s/{school.slug}/people/import/{job.pk}/undo/")
    assert not Person.objects.exists()


def test_another_schools_import_cannot_be_undone(
    client_for, office, outsider, school, other_school
):
    job = run_import(other_school, outsider, "pupils", "pupils.csv", data("pupils.csv"))
    client = client_for(office)
    assert client.post(f"/s/{school.slug}/people/import/{job.pk}/undo/").status_code == 404
    assert client.post(f"/s/{other_school.slug}/people/import/{job.pk}/undo/").status_code == 404
    assert Person.objects.filter(school=other_school, kind=Kind.PUPIL).count() == 5


def test_undo_answers_only_post(client_for, office, school):
    job = run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    response = client_for(office).get(f"/s/{school.slug}/people/import/{job.pk}/undo/")
    assert response.status_code == 405
    assert Person.objects.count() == 5
