"""Imports that mark people as left: the preview's warning (how many, and who among them signs
in to Bastion), the tick needed when many people or a privileged role would leave, and e-mail
addresses in the preview's tables."""

from __future__ import annotations

import html

import pytest

from bastion.people import import_jobs
from bastion.people.models import ImportJob, Kind, Person
from tests.people.importing import csv_bytes, directory_state

pytestmark = pytest.mark.django_db
HEADER = ["Staff Code", "Forename", "Surname", "Work Email"]
NEWCOMER = ["T900", "Wren", "Halloway", "w.halloway@ashmole.example.org"]


def staff_member(school, code, first, last, email="", user=None) -> Person:
    return Person.objects.create(
        school=school,
        kind=Kind.STAFF,
        mis_id=code,
        first_name=first,
        last_name=last,
        email=email,
        user=user,
    )


def planned(school, actor, rows, mark_leavers=True) -> ImportJob:
    job = import_jobs.job_create(
        actor=actor, school=school, kind="staff", filename="staff.csv", data=csv_bytes(rows)
    )
    return import_jobs.job_plan(job=job, mark_leavers=mark_leavers)


@pytest.fixture
def directory(school, siro, dpo, staff):
    """Six members of staff the newcomer's file leaves out: the SIRO (linked to her account),
    the DPO (matched by e-mail, in another case), a teacher with an ordinary account, and three
    without one."""
    return [
        staff_member(school, "T001", "Hana", "Siro", user=siro),
        staff_member(school, "T002", "Dev", "Dpo", "Dev.Dpo@ashmole.example.org"),
        staff_member(school, "T003", "Sam", "Staff", "sam.staff@ashmole.example.org"),
        staff_member(school, "T004", "Imogen", "Farrow", "i.farrow@ashmole.example.org"),
        staff_member(school, "T005", "Kwame", "Ashdown"),
        staff_member(school, "T006", "Priya", "Venkat"),
    ]


def test_the_preview_warns_how_many_leave_and_names_those_with_accounts(
    client_for, office, school, directory
):
    job = planned(school, office, [HEADER, NEWCOMER])
    assert job.summary["left"] == 6
    assert job.summary["left_roles"] == ["SIRO", "DPO"]
    page = html.unescape(client_for(office).get(f"/s/{school.slug}/people/import/{job.pk}/").text)
    warning = page[page.index('id="leavers-warning"') : page.index("What the import will do")]
    assert "6 people are not in this file and will be marked as having left today." in warning
    assert "Dev Dpo</strong> (DPO)" in warning
    assert "Hana Siro</strong> (SIRO)" in warning
    assert "Sam Staff</strong> (school account)" in warning
    assert "Kwame Ashdown" not in warning  # no account: in the table, not the warning


def test_the_preview_tables_show_e_mail_addresses(client_for, office, school, directory):
    rows = [HEADER, NEWCOMER, ["T004", "Imogen", "Farrow-Reyes", "i.farrow@ashmole.example.org"]]
    job = planned(school, office, rows)
    page = client_for(office).get(f"/s/{school.slug}/people/import/{job.pk}/").text
    created = page[page.index('id="sample-created"') :]
    assert '<td class="govuk-table__cell">w.halloway@ashmole.example.org</td>' in created
    updated = page[page.index('id="sample-updated"') :]
    assert '<td class="govuk-table__cell">i.farrow@ashmole.example.org</td>' in updated
    left = page[page.index('id="sample-left"') :]
    assert '<td class="govuk-table__cell">sam.staff@ashmole.example.org</td>' in left


def test_many_leavers_need_the_tick_and_without_it_nothing_changes(
    client_for, office, school, directory
):
    job = planned(school, office, [HEADER, NEWCOMER])
    client = client_for(office)
    url = f"/s/{school.slug}/people/import/{job.pk}/"
    sentence = (
        "I understand 6 people, including the SIRO and the DPO, will be marked as having left"
    )
    assert sentence in html.unescape(client.get(url).text)
    before = directory_state(school)

    response = client.post(url + "confirm/")
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "There is a problem" in page
    assert f'href="#id_understood">Tick “{sentence}” to import.' in page
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Error: " in page
    assert directory_state(school) == before
    assert ImportJob.objects.get().status == ImportJob.Status.PLANNED

    assert client.post(url + "confirm/", {"understood": "on"}).status_code == 302
    assert Person.objects.current().filter(kind=Kind.STAFF).count() == 1
    assert ImportJob.objects.get().status == ImportJob.Status.DONE


def test_one_privileged_leaver_needs_the_tick(client_for, office, school, dpo):
    staff_member(school, "T002", "Dev", "Dpo", "dev.dpo@ashmole.example.org")
    job = planned(school, office, [HEADER, NEWCOMER])
    assert import_jobs.confirmation(job.summary) == (
        "I understand 1 person, including the DPO, will be marked as having left"
    )
    client_for(office).post(f"/s/{school.slug}/people/import/{job.pk}/confirm/")
    assert Person.objects.get(mis_id="T002").left_on is None


def test_a_few_leavers_without_privileged_roles_need_no_tick(client_for, office, school):
    for n in range(1, import_jobs.CONFIRM_LEAVERS_ABOVE + 1):
        staff_member(school, f"T00{n}", "Leaver", f"Number{n}")
    job = planned(school, office, [HEADER, NEWCOMER])
    assert job.summary["left"] == import_jobs.CONFIRM_LEAVERS_ABOVE
    client = client_for(office)
    url = f"/s/{school.slug}/people/import/{job.pk}/"
    assert 'name="understood"' not in client.get(url).text
    assert client.post(url + "confirm/").status_code == 302
    assert Person.objects.current().count() == 1


def test_the_service_refuses_an_unconfirmed_import_too(office, school, directory):
    job = planned(school, office, [HEADER, NEWCOMER])
    before = directory_state(school)
    with pytest.raises(import_jobs.ImportRefused):
        import_jobs.job_start(actor=office, job=job)
    assert directory_state(school) == before


def test_an_import_that_marks_nobody_as_left_shows_no_warning(
    client_for, office, school, directory
):
    job = planned(school, office, [HEADER, NEWCOMER], mark_leavers=False)
    page = client_for(office).get(f"/s/{school.slug}/people/import/{job.pk}/").text
    assert 'id="leavers-warning"' not in page
    assert 'name="understood"' not in page
