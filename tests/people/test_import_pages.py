"""The import pages: upload, choose columns, preview, import, the progress bar, permissions."""

from __future__ import annotations

import html
import io

import pytest
from django.core.management import call_command

from bastion.people import import_jobs
from bastion.people.models import ImportJob, Kind, Person
from tests.people.importing import (
    PUPIL_HEADER,
    csv_bytes,
    data,
    directory_state,
    pupil_rows,
    run_import,
)

pytestmark = pytest.mark.django_db
MAPPING = {
    "col_mis_id": "UPN",
    "col_first_name": "Legal Forename",
    "col_last_name": "Legal Surname",
    "col_date_of_birth": "DOB",
    "col_year_group": "Year",
    "col_class_name": "Reg Group",
    "mark_leavers": "on",
}


def upload(client, school, content, name="pupils.csv", kind="pupils"):
    body = io.BytesIO(content)
    body.name = name
    return client.post(f"/s/{school.slug}/people/import/", {"kind": kind, "file": body})


def test_office_uploads_maps_previews_and_imports(client_for, office, school):
    client = client_for(office)
    response = upload(client, school, data("pupils.csv"))
    assert response.status_code == 302
    job_url = response["Location"]
    page = client.get(job_url).content.decode()
    assert "Which column is which?" in page
    assert '<option value="Legal Forename" selected>' in page  # guessed

    assert client.post(job_url, MAPPING).status_code == 302
    page = client.get(job_url).content.decode()
    assert "What the import will do" in page
    assert 'id="count-created">5<' in page
    assert not Person.objects.exists()  # a preview writes nothing

    response = client.post(job_url + "confirm/")
    assert response.status_code == 302
    page = client.get(job_url).content.decode()
    assert "5 new, 0 updated, 0 marked as left" in page
    assert Person.objects.filter(school=school, kind=Kind.PUPIL).count() == 5


def test_the_column_mapping_is_remembered_for_the_next_upload(client_for, office, school):
    header = ["Pupil number", "Known as", "Family", "Born", "NC", "Tutor group"]
    rows = [header, ["H801200001001", "Ada", "Okonkwo-Hale", "2017-05-01", "3", "3B"]]
    client = client_for(office)
    job_url = upload(client, school, csv_bytes(rows))["Location"]
    page = client.get(job_url).content.decode()
    assert '<option value="Known as" selected>' not in page  # nothing to guess from
    mapping = {
        "col_mis_id": "Pupil number",
        "col_first_name": "Known as",
        "col_last_name": "Family",
        "col_date_of_birth": "Born",
        "col_year_group": "NC",
        "col_class_name": "Tutor group",
        "mark_leavers": "on",
    }
    client.post(job_url, mapping)
    client.post(job_url + "confirm/")

    next_url = upload(client, school, csv_bytes(rows), name="next-term.csv")["Location"]
    page = client.get(next_url).content.decode()
    assert '<option value="Known as" selected>' in page
    assert '<option value="Tutor group" selected>' in page
    assert ImportJob.objects.get(filename="next-term.csv").mapping == {
        k[4:]: v for k, v in mapping.items() if k.startswith("col_")
    }


def test_the_column_mapping_of_a_refused_file_is_offered_again_with_the_next_upload(
    client_for, office, school
):
    header = ["Pupil number", "Known as", "Family", "Born", "NC", "Tutor group"]
    bad = [header, ["H801200001001", "Ada", "Okonkwo-Hale", "31/02/2017", "3", "3B"]]
    client = client_for(office)
    job_url = upload(client, school, csv_bytes(bad))["Location"]
    mapping = {
        "col_mis_id": "Pupil number",
        "col_first_name": "Known as",
        "col_last_name": "Family",
        "col_date_of_birth": "Born",
        "col_year_group": "NC",
        "col_class_name": "Tutor group",
    }
    client.post(job_url, mapping)
    page = client.get(job_url).content.decode()
    assert "The file cannot be imported as it is" in page
    assert not Person.objects.exists()

    fixed = [header, ["H801200001001", "Ada", "Okonkwo-Hale", "28/02/2017", "3", "3B"]]
    next_url = upload(client, school, csv_bytes(fixed), name="fixed.csv")["Location"]
    page = client.get(next_url).content.decode()
    assert '<option value="Known as" selected>' in page
    assert '<option value="Born" selected>' in page
    assert ImportJob.objects.get(filename="fixed.csv").mapping == {
        k[4:]: v for k, v in mapping.items()
    }


def test_choosing_the_same_column_twice_is_refused_in_the_form(client_for, office, school):
    client = client_for(office)
    job_url = upload(client, school, data("pupils.csv"))["Location"]
    response = client.post(job_url, {**MAPPING, "col_first_name": "Legal Surname"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "“Legal Surname” is already chosen for First name: choose one column for each." in page
    assert page.count("govuk-error-summary") >= 1
    assert ImportJob.objects.get().status == ImportJob.Status.UPLOADED


def test_a_required_column_left_unchosen_says_which(client_for, office, school):
    client = client_for(office)
    job_url = upload(client, school, data("pupils.csv"))["Location"]
    response = client.post(job_url, {**MAPPING, "col_date_of_birth": ""})
    assert "Choose the column that holds Date of birth." in response.content.decode()


def test_marking_missing_people_as_left_is_off_until_ticked(client_for, office, school):
    client = client_for(office)
    job_url = upload(client, school, data("pupils.csv"))["Location"]
    page = client.get(job_url).content.decode()
    box = page[page.index('name="mark_leavers"') - 80 : page.index('name="mark_leavers"') + 80]
    assert 'type="checkbox"' in box
    assert "checked" not in box
    assert ImportJob.objects.get().mark_leavers is False


def test_leavers_are_marked_only_when_the_box_is_ticked(client_for, office, school):
    run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    fewer = b"\r\n".join(data("pupils.csv").splitlines()[:3]) + b"\r\n"
    client = client_for(office)

    job_url = upload(client, school, fewer)["Location"]
    client.post(job_url, {k: v for k, v in MAPPING.items() if k != "mark_leavers"})
    assert 'id="count-left">0<' in client.get(job_url).content.decode()
    client.post(job_url + "confirm/")
    assert Person.objects.current().count() == 5

    job_url = upload(client, school, fewer)["Location"]
    client.post(job_url, MAPPING)
    page = client.get(job_url).content.decode()
    assert 'id="count-left">3<' in page
    assert "Dara Penhallow" in page
    client.post(job_url + "confirm/")
    assert Person.objects.current().count() == 2


def test_the_preview_says_a_windows_1252_file_was_read_as_such(client_for, office, school):
    content = "UPN,Legal Forename,Legal Surname,DOB,Year,Reg Group\r\n"
    content += "H801200001002,Siân,Brontë,2016-02-14,4,4A\r\n"
    client = client_for(office)
    job_url = upload(client, school, content.encode("cp1252"))["Location"]
    client.post(job_url, MAPPING)
    page = html.unescape(client.get(job_url).content.decode())
    assert "Read as Windows-1252 (Excel's older CSV format)." in page
    assert "Siân Brontë" in page


def test_a_file_with_bad_rows_shows_every_problem_and_imports_nothing(client_for, office, school):
    rows = [
        PUPIL_HEADER,
        ["H801200001001", "Ada", "Okonkwo-Hale", "2017-05-01", "3", "3B"],
        ["H801200001001", "=cmd|' /C calc'!A0", "Hale", "1/1/20177", "3", "3B"],
    ]
    client = client_for(office)
    job_url = upload(client, school, csv_bytes(rows))["Location"]
    response = client.post(job_url, MAPPING)
    page = client.get(response["Location"]).content.decode()
    assert "The file cannot be imported as it is" in page
    assert "Row 3, column “Legal Forename”" in page
    assert "Row 3, column “DOB”: “1/1/20177” is not a date" in page
    assert "Row 3, column “UPN”: “H801200001001” is also on row 2." in page
    assert not Person.objects.exists()
    assert client.post(job_url + "confirm/").status_code == 302
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("p.xlsx", b"UPN,Forename\r\nH801200001001,Ada\r\n", "not an Excel workbook"),
        ("p.csv", b"%PDF-1.4 a document", "is not a CSV text file"),
        (
            "p.csv",
            b"UPN,Forename\r\nH801200001001,Zo\x81\r\n",
            "Row 2: the file is neither UTF-8 nor Windows-1252",
        ),
        ("p.csv", b"UPN,Forename,Surname,DOB,Year\r\n", "no rows of people"),
    ],
)
def test_a_refused_upload_changes_nothing(client_for, office, school, name, content, message):
    run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    before = directory_state(school)
    jobs = ImportJob.objects.count()
    response = upload(client_for(office), school, content, name=name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert directory_state(school) == before
    assert ImportJob.objects.count() == jobs


def test_a_large_file_is_queued_shows_progress_and_run_schedule_imports_it(
    client_for, office, school
):
    content = csv_bytes([PUPIL_HEADER, *pupil_rows(import_jobs.INLINE_ROWS + 1)])
    client = client_for(office)
    job_url = upload(client, school, content)["Location"]
    client.post(job_url, MAPPING)
    client.post(job_url + "confirm/")
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.QUEUED
    assert not Person.objects.exists()

    response = client.get(job_url, headers={"HX-Request": "true"})
    poll = response.content.decode()
    assert "<html" not in poll
    assert 'hx-trigger="every 1s"' in poll
    assert '<progress class="bastion-progress" max="100" value="0"' in poll
    assert "Waiting to start" in poll

    # Half way: the worker has checked the file and is writing it.
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, done=2001, total=4002
    )
    poll = client.get(job_url, headers={"HX-Request": "true"}).content.decode()
    assert 'value="50"' in poll
    assert "Writing to the directory" in poll
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED, done=0)

    call_command("run_schedule")

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.errors
    assert (job.done, job.total, job.percent) == (4002, 4002, 100)
    assert Person.objects.filter(kind=Kind.PUPIL).count() == import_jobs.INLINE_ROWS + 1
    poll = client.get(job_url, headers={"HX-Request": "true"}).content.decode()
    assert "Imported" in poll
    assert "hx-trigger" not in poll  # the polling stops


def test_a_failed_background_import_shows_why_in_the_progress_poll(client_for, office, school):
    job = import_jobs.job_create(
        actor=office, school=school, kind="pupils", filename="p.csv", data=data("pupils.csv")
    )
    job = import_jobs.job_plan(job=job)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED, payload=b"garbled")
    call_command("run_schedule")
    url = f"/s/{school.slug}/people/import/{job.pk}/"
    poll = client_for(office).get(url, headers={"HX-Request": "true"}).content.decode()
    assert "The import failed and nothing was changed" in poll
    assert "The uploaded file can no longer be read: upload it again." in poll
    assert not Person.objects.exists()


IMPORTERS = {"siro", "office", "trust_admin"}


@pytest.mark.parametrize(
    "persona", ["siro", "dpo", "it_lead", "office", "staff", "governor", "trust_admin"]
)
def test_only_the_office_siro_and_trust_admins_may_import(request, client_for, school, persona):
    client = client_for(request.getfixturevalue(persona))
    expected = 200 if persona in IMPORTERS else 403
    assert client.get(f"/s/{school.slug}/people/import/").status_code == expected
    response = upload(client, school, data("pupils.csv"))
    assert response.status_code == (302 if persona in IMPORTERS else 403)
    assert ImportJob.objects.exists() == (persona in IMPORTERS)


def test_an_outsider_gets_404_for_the_import_page(client_for, outsider, school):
    assert client_for(outsider).get(f"/s/{school.slug}/people/import/").status_code == 404


def test_another_schools_import_job_answers_404(client_for, office, outsider, school, other_school):
    theirs = run_import(other_school, outsider, "pupils", "pupils.csv", data("pupils.csv"))
    theirs.status = ImportJob.Status.PLANNED
    theirs.save()
    client = client_for(office)
    url = f"/s/{school.slug}/people/import/{theirs.pk}/"
    assert client.get(url).status_code == 404
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 404
    assert client.post(url + "confirm/").status_code == 404
    assert client.post(url + "back/").status_code == 404
    assert client.get(f"/s/{school.slug}/people/import/not-a-number/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ImportJob.Status.PLANNED


def test_dpo_and_it_lead_may_not_confirm_an_import(client_for, office, dpo, it_lead, school):
    job = import_jobs.job_plan(
        job=import_jobs.job_create(
            actor=office, school=school, kind="pupils", filename="p.csv", data=data("pupils.csv")
        )
    )
    for user in (dpo, it_lead):
        url = f"/s/{school.slug}/people/import/{job.pk}/confirm/"
        assert client_for(user).post(url).status_code == 403
    assert not Person.objects.exists()


def test_confirm_answers_only_post(client_for, office, school):
    job = import_jobs.job_create(
        actor=office, school=school, kind="pupils", filename="p.csv", data=data("pupils.csv")
    )
    url = f"/s/{school.slug}/people/import/{job.pk}/confirm/"
    assert client_for(office).get(url).status_code == 405


def test_going_back_from_the_preview_offers_the_columns_again(client_for, office, school):
    client = client_for(office)
    job_url = upload(client, school, data("pupils.csv"))["Location"]
    client.post(job_url, MAPPING)
    client.post(job_url + "back/")
    assert "Which column is which?" in client.get(job_url).content.decode()
