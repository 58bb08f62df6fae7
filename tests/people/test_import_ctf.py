"""The DfE Common Transfer File: pupils and their contacts from XML, safely and once."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from bastion.people.models import ImportJob, Kind, ParentLink, Person
from tests.people.importing import data, directory_state, refusal, run_import

pytestmark = pytest.mark.django_db


def ctf(**replace: str) -> bytes:
    text = data("pupils.ctf.xml").decode()
    for old, new in replace.items():
        text = text.replace(old.replace("_", " "), new)
    return text.encode()


def test_a_ctf_brings_its_pupils_and_their_contacts_in_one_preview_and_import(school, office):
    job = run_import(school, office, "ctf", "FER_999_9999.xml", data("pupils.ctf.xml"))

    assert job.status == ImportJob.Status.DONE, job.errors
    # 2 pupils and 3 contacts (Saoirse is the mother of both), 4 links: the preview said so.
    assert (job.summary["created"], job.summary["links"]) == (5, 4)
    assert job.summary["result"]["created"] == 5
    assert job.summary["result"]["links"] == 4
    tobias = Person.objects.get(mis_id="K730400002001")
    assert (tobias.kind, tobias.first_name, tobias.year_group, tobias.date_of_birth) == (
        Kind.PUPIL,
        "Tobias",
        "3",
        dt.date(2017, 7, 19),
    )
    assert Person.objects.get(mis_id="K730400002002").year_group == "R"
    saoirse = Person.objects.get(kind=Kind.PARENT, first_name="Saoirse")
    assert saoirse.email == "saoirse.a@mail.example.com"
    assert sorted(saoirse.child_links.values_list("child__first_name", "relationship")) == [
        ("Tobias", "mother"),
        ("Wren", "mother"),
    ]
    delyth = ParentLink.objects.get(parent__first_name="Delyth")
    assert (delyth.relationship, delyth.parental_responsibility, delyth.contact_priority) == (
        "carer",
        False,
        2,
    )


def test_re_importing_the_same_ctf_changes_nothing(school, office):
    run_import(school, office, "ctf", "a.xml", data("pupils.ctf.xml"))
    before = directory_state(school)
    job = run_import(school, office, "ctf", "a.xml", data("pupils.ctf.xml"))
    assert job.summary["result"] == {
        "created": 0,
        "updated": 0,
        "left": 0,
        "unchanged": 5,
        "links": 0,
        "unlinked": 0,
    }
    assert directory_state(school) == before


def test_a_ctf_pupil_already_in_the_directory_is_updated_not_duplicated(school, office):
    Person.objects.create(
        school=school,
        kind=Kind.PUPIL,
        mis_id="K730400002001",
        first_name="Toby",
        last_name="Abernethy",
        date_of_birth=dt.date(2017, 7, 19),
        year_group="2",
    )
    job = run_import(school, office, "ctf", "a.xml", data("pupils.ctf.xml"))
    assert (job.summary["created"], job.summary["updated"]) == (4, 1)
    tobias = Person.objects.get(mis_id="K730400002001")
    assert (tobias.first_name, tobias.year_group) == ("Tobias", "3")


def test_a_ctf_marks_nobody_as_left(school, office):
    run_import(school, office, "pupils", "pupils.csv", data("pupils.csv"))
    job = run_import(school, office, "ctf", "a.xml", data("pupils.ctf.xml"))
    assert job.summary["result"]["left"] == 0
    assert not Person.objects.filter(left_on__isnull=False).exists()


def test_a_bad_date_of_birth_names_the_pupil_and_nothing_is_imported(school, office):
    errors = refusal(school, office, "ctf", "a.xml", ctf(**{"2020-01-05": "2020-02-30"}))
    assert errors == [
        "Pupil 2 (K730400002002), column “DOB”: “2020-02-30” is not a date (use 2024-09-01 or "
        "01/09/2024)."
    ]
    assert not Person.objects.exists()


def test_a_bad_contact_names_the_pupil_and_the_contact(school, office):
    errors = refusal(
        school, office, "ctf", "a.xml", ctf(**{"<Relationship>CAR": "<Relationship>ZZZ"})
    )
    assert errors == [
        "Pupil 2 (K730400002002), contact 2, column “Relationship”: “ZZZ” is not a relationship "
        "(carer, father, grandparent, guardian, mother, other)."
    ]


def test_a_duplicate_upn_in_a_ctf_names_both_pupils(school, office):
    errors = refusal(school, office, "ctf", "a.xml", ctf(K730400002002="K730400002001"))
    assert errors[0] == (
        "Pupil 2 (K730400002001), column “UPN”: “K730400002001” is also on Pupil 1 (K730400002001)."
    )


def test_xml_that_is_not_a_ctf_is_refused(school, office):
    errors = refusal(
        school, office, "ctf", "a.xml", b"<?xml version='1.0'?><Invoice><Total>3</Total></Invoice>"
    )
    assert errors == ["The file is XML but not a Common Transfer File (no CTfile root)."]


def test_broken_xml_is_refused(school, office):
    errors = refusal(school, office, "ctf", "a.xml", data("pupils.ctf.xml")[:500])
    assert errors[0].startswith("The file is not well-formed XML")


def test_xml_entities_are_refused(school, office):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE CTfile [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><CTfile><Header>&b;</Header></CTfile>'
    )
    errors = refusal(school, office, "ctf", "a.xml", bomb)
    assert errors == ["The file uses XML features Bastion refuses (entities)."]


def test_a_ctf_without_pupils_is_refused(school, office):
    errors = refusal(school, office, "ctf", "a.xml", b"<CTfile><Header/><CTFpupilData/></CTfile>")
    assert errors == ["The Common Transfer File holds no pupils."]


def test_a_ctf_must_be_an_xml_file(school, office):
    errors = refusal(school, office, "ctf", "a.csv", data("pupils.ctf.xml"))
    assert errors == ["A Common Transfer File is an .xml file."]


def test_a_ctf_uploaded_in_the_browser_goes_straight_to_the_preview(client_for, office, school):
    body = io.BytesIO(data("pupils.ctf.xml"))
    body.name = "FER_999_9999.xml"
    client = client_for(office)
    response = client.post(f"/s/{school.slug}/people/import/", {"kind": "ctf", "file": body})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "What the import will do" in page
    assert "Which column is which" not in page
    assert 'id="count-created">5<' in page
    assert not Person.objects.exists()
