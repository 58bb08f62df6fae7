"""The people directory: who may see and change it, search and filters, pages, bad input."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.core.models import AuditEvent
from bastion.people.models import Kind, ParentLink, Person
from bastion.people.views.directory import PAGE_SIZE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def person(school, kind=Kind.PUPIL, **fields) -> Person:
    defaults = {"first_name": "Ada", "last_name": "Okonkwo-Hale"}
    if kind == Kind.PUPIL:
        defaults |= {"year_group": "3", "class_name": "3B", "date_of_birth": dt.date(2017, 5, 1)}
    return Person.objects.create(school=school, kind=kind, **(defaults | fields))


def names(response) -> list[str]:
    page = response.context["page"]
    return [p.full_name for p in page]


@pytest.fixture
def people(school):
    return {
        "ada": person(school, mis_id="H801200001001"),
        "bram": person(
            school,
            first_name="Bram",
            last_name="Lindqvist",
            year_group="4",
            class_name="4A",
            mis_id="H801200001002",
        ),
        "cleo": person(
            school,
            first_name="Cleo",
            last_name="Marchetti",
            year_group="R",
            class_name="RA",
            left_on=dt.date(2025, 7, 20),
            mis_id="H80120000100C",
        ),
        "imogen": person(
            school,
            Kind.STAFF,
            first_name="Imogen",
            last_name="Farrow",
            job_title="Class teacher",
            email="i.farrow@ashmole.example.org",
        ),
        "ngozi": person(school, Kind.PARENT, first_name="Ngozi", last_name="Okonkwo-Hale"),
    }


# ---- who may do what --------------------------------------------------------------------------

VIEWERS = {"siro", "dpo", "it_lead", "office", "trust_admin"}
EDITORS = {"siro", "office", "trust_admin"}
PERSONAS = ["siro", "dpo", "it_lead", "office", "staff", "governor", "trust_admin"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_permission_table_of_the_directory(request, client_for, school, people, persona):
    client = client_for(request.getfixturevalue(persona))
    ada = people["ada"]
    see = 200 if persona in VIEWERS else 403
    change = 200 if persona in EDITORS else 403
    assert client.get(f"/s/{school.slug}/people/").status_code == see
    assert client.get(f"/s/{school.slug}/people/{ada.pk}/").status_code == see
    assert client.get(f"/s/{school.slug}/people/add/pupil/").status_code == change
    assert client.get(f"/s/{school.slug}/people/{ada.pk}/edit/").status_code == change
    assert client.get(f"/s/{school.slug}/people/{ada.pk}/leave/").status_code == change
    response = client.post(f"/s/{school.slug}/people/{ada.pk}/leave/", {"left_on": "2026-01-01"})
    assert response.status_code == (302 if persona in EDITORS else 403)
    ada.refresh_from_db()
    assert (ada.left_on is not None) == (persona in EDITORS)


def test_an_outsider_and_another_schools_people_answer_404(
    client_for, school, other_school, people, office, outsider
):
    theirs = person(other_school, mis_id="H801200009999")
    assert client_for(outsider).get(f"/s/{school.slug}/people/").status_code == 404
    client = client_for(office)
    for url in ("", "edit/", "leave/"):
        assert client.get(f"/s/{school.slug}/people/{theirs.pk}/{url}").status_code == 404
    assert (
        client.post(
            f"/s/{school.slug}/people/{theirs.pk}/leave/", {"left_on": "2026-01-01"}
        ).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.left_on is None


# ---- the list ---------------------------------------------------------------------------------


def test_the_list_shows_current_people_by_default(client_for, office, school, people):
    response = client_for(office).get(f"/s/{school.slug}/people/")
    assert names(response) == [
        "Imogen Farrow",
        "Bram Lindqvist",
        "Ada Okonkwo-Hale",
        "Ngozi Okonkwo-Hale",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=left", ["Cleo Marchetti"]),
        (
            "status=all",
            [
                "Imogen Farrow",
                "Bram Lindqvist",
                "Cleo Marchetti",
                "Ada Okonkwo-Hale",
                "Ngozi Okonkwo-Hale",
            ],
        ),
        ("kind=staff", ["Imogen Farrow"]),
        ("kind=parent", ["Ngozi Okonkwo-Hale"]),
        ("kind=pupil&year=4", ["Bram Lindqvist"]),
        ("year=R&status=all", ["Cleo Marchetti"]),
        ("class_name=3b", ["Ada Okonkwo-Hale"]),
        ("q=okonkwo", ["Ada Okonkwo-Hale", "Ngozi Okonkwo-Hale"]),
        ("q=ada+okon", ["Ada Okonkwo-Hale"]),
        ("q=h801200001002", ["Bram Lindqvist"]),
        ("q=i.farrow@", ["Imogen Farrow"]),
        ("q=nobody", []),
        (
            "kind=wizard",
            ["Imogen Farrow", "Bram Lindqvist", "Ada Okonkwo-Hale", "Ngozi Okonkwo-Hale"],
        ),
        ("kind=wizard&year=4", ["Bram Lindqvist"]),
        ("page=abc", ["Imogen Farrow", "Bram Lindqvist", "Ada Okonkwo-Hale", "Ngozi Okonkwo-Hale"]),
    ],
)
def test_search_and_filters(client_for, office, school, people, query, expected):
    response = client_for(office).get(f"/s/{school.slug}/people/?{query}")
    assert response.status_code == 200
    assert names(response) == expected


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("Zoe", ["Zoë O'Neill"]),
        ("zoë", ["Zoë O'Neill"]),
        ("oneill", ["Zoë O'Neill", "Siân Ó Néill-Ward"]),
        ("O'Neill", ["Zoë O'Neill", "Siân Ó Néill-Ward"]),
        ("sian neillward", ["Siân Ó Néill-Ward"]),
        ("zoe oneill", ["Zoë O'Neill"]),
        ("'", []),
    ],
)
def test_search_folds_accents_and_ignores_punctuation(client_for, office, school, q, found):
    person(school, first_name="Zoë", last_name="O'Neill")
    person(school, first_name="Siân", last_name="Ó Néill-Ward")
    person(school, first_name="Neil", last_name="Oates")
    response = client_for(office).get(f"/s/{school.slug}/people/", {"q": q})
    assert sorted(names(response)) == sorted(found)


def test_a_renamed_person_is_found_by_the_new_name(client_for, office, school, people):
    ada = people["ada"]
    ada.last_name = "Ní Bhriain"
    ada.save(update_fields=["last_name"])
    ada.refresh_from_db()
    assert ada.search_name == "adanibhriain"
    response = client_for(office).get(f"/s/{school.slug}/people/", {"q": "nibhriain"})
    assert names(response) == ["Ada Ní Bhriain"]


def test_the_migration_fills_the_folded_names_of_existing_people(school, people):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("bastion.people.migrations.0003_person_search_name")
    Person.objects.update(search_name="")
    migration.fill_search_names(apps, SimpleNamespace(connection=connection))
    assert Person.objects.get(pk=people["ngozi"].pk).search_name == "ngoziokonkwohale"
    assert not Person.objects.filter(search_name="").exists()


def test_a_search_of_10000_characters_is_not_a_500(client_for, office, school, people):
    response = client_for(office).get(f"/s/{school.slug}/people/", {"q": "a" * 10_000})
    assert response.status_code == 200


def test_the_list_is_paginated(client_for, office, school):
    Person.objects.bulk_create(
        Person(
            school=school,
            kind=Kind.PUPIL,
            first_name="Pupil",
            last_name=f"Family{n:03d}",
            year_group="2",
            date_of_birth=dt.date(2018, 1, 1),
        )
        for n in range(PAGE_SIZE + 10)
    )
    client = client_for(office)
    first = client.get(f"/s/{school.slug}/people/?kind=pupil")
    assert len(names(first)) == PAGE_SIZE
    assert "?kind=pupil&amp;page=2" in first.content.decode()
    second = client.get(f"/s/{school.slug}/people/?kind=pupil&page=2")
    assert names(second) == [f"Pupil Family{n:03d}" for n in range(PAGE_SIZE, PAGE_SIZE + 10)]
    assert names(client.get(f"/s/{school.slug}/people/?kind=pupil&page=99")) == names(second)


def test_an_htmx_request_gets_only_the_results_table(client_for, office, school, people):
    response = client_for(office).get(
        f"/s/{school.slug}/people/?q=bram", headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert "<html" not in html and "<form" not in html
    assert "Lindqvist" in html and "Okonkwo" not in html


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "query", ["", "?kind=pupil&year=3", "?q=family", "?q=f%C3%A1mi-ly", "?status=all"]
)
def test_the_list_uses_the_same_number_of_queries_for_5_or_300_people(
    client_for, office, school, query
):
    def add(count, start):
        pupils = Person.objects.bulk_create(
            Person(
                school=school,
                kind=Kind.PUPIL,
                first_name=f"Pupil{n}",
                last_name="Family",
                year_group="3",
                class_name="3A",
                date_of_birth=dt.date(2017, 1, 1),
                mis_id=f"Z{n:012d}",
            )
            for n in range(start, start + count)
        )
        parents = [
            Person(school=school, kind=Kind.PARENT, first_name=f"Parent{n}", last_name="Family")
            for n in range(start, start + count)
        ]
        for parent in parents:
            parent.fold_search_name()
        Person.objects.bulk_create(parents)
        ParentLink.objects.bulk_create(
            ParentLink(school=school, parent=p, child=c, relationship="mother")
            for p, c in zip(parents, pupils, strict=True)
        )

    client = client_for(office)
    url = f"/s/{school.slug}/people/{query}"
    add(3, 0)
    client.get(url)  # warm the session
    few = _list_queries(client, url)
    add(150, 1000)
    many = _list_queries(client, url)
    if "mi-ly" in query:  # found only through the folded names: the search did match
        assert client.get(url).context["page"].paginator.count == 153
    assert few == many
    assert many <= 10
    assert _list_queries(client, url + ("&" if query else "?") + "page=3") == many


# ---- a person's page, adding, editing, leaving ------------------------------------------------


def test_a_pupils_page_lists_their_parents_with_relationship_and_responsibility(
    client_for, office, school, people
):
    ParentLink.objects.create(
        school=school,
        parent=people["ngozi"],
        child=people["ada"],
        relationship="mother",
        parental_responsibility=True,
    )
    page = client_for(office).get(f"/s/{school.slug}/people/{people['ada'].pk}/").content.decode()
    assert "Ngozi Okonkwo-Hale</a> \N{EN DASH} Mother, parental responsibility" in page
    page = client_for(office).get(f"/s/{school.slug}/people/{people['ngozi'].pk}/").content.decode()
    assert "Ada Okonkwo-Hale</a> (mother)" in page


def test_adding_a_pupil_records_them_and_the_audit(client_for, office, school):
    response = client_for(office).post(
        f"/s/{school.slug}/people/add/pupil/",
        {
            "first_name": "Dara",
            "last_name": "Penhallow",
            "mis_id": "h801200001004",
            "date_of_birth": "2018-11-11",
            "year_group": "2",
            "class_name": "2C",
        },
    )
    assert response.status_code == 302
    dara = Person.objects.get()
    assert (dara.kind, dara.mis_id, dara.year_group) == (Kind.PUPIL, "H801200001004", "2")
    assert AuditEvent.objects.filter(action="person.created", object_id=str(dara.pk)).exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"mis_id": "H801200001001"}, "Someone in the directory already has this MIS id."),
        ({"mis_id": "12345"}, "Enter the UPN as a letter, 11 digits, then a digit or letter."),
        ({"first_name": "A" * 10_000}, "Ensure this value has at most 100 characters"),
        ({"date_of_birth": "31/02/2018"}, "Enter a valid date."),
        ({"date_of_birth": "2999-01-01"}, "The date of birth cannot be in the future."),
        ({"year_group": "Year 3"}, "Select a valid choice."),
        ({"last_name": ""}, "This field is required."),
    ],
)
def test_adding_a_pupil_with_bad_input_explains_and_changes_nothing(
    client_for, office, school, people, fields, message
):
    before = list(Person.objects.order_by("pk").values())
    good = {
        "first_name": "Dara",
        "last_name": "Penhallow",
        "mis_id": "H801200001004",
        "date_of_birth": "2018-11-11",
        "year_group": "2",
    }
    response = client_for(office).post(f"/s/{school.slug}/people/add/pupil/", good | fields)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page.replace("&#x27;", "'")
    assert 'value="Penhallow"' in page or fields.get("last_name") == ""  # nothing typed is lost
    assert list(Person.objects.order_by("pk").values()) == before


def test_adding_an_unknown_kind_of_person_is_a_404(client_for, office, school):
    assert client_for(office).get(f"/s/{school.slug}/people/add/wizard/").status_code == 404


def test_editing_a_pupil_into_another_pupils_upn_is_refused(client_for, office, school, people):
    bram = people["bram"]
    response = client_for(office).post(
        f"/s/{school.slug}/people/{bram.pk}/edit/",
        {
            "first_name": "Bram",
            "last_name": "Lindqvist",
            "mis_id": "H801200001001",
            "date_of_birth": "2016-02-14",
            "year_group": "4",
        },
    )
    assert response.status_code == 200
    assert "Someone in the directory already has this MIS id." in response.content.decode()
    bram.refresh_from_db()
    assert bram.mis_id == "H801200001002"


def test_editing_a_member_of_staff_is_saved_and_audited_with_before_and_after(
    client_for, office, school, people
):
    imogen = people["imogen"]
    response = client_for(office).post(
        f"/s/{school.slug}/people/{imogen.pk}/edit/",
        {
            "first_name": "Imogen",
            "last_name": "Farrow",
            "email": "i.farrow@ashmole.example.org",
            "job_title": "Deputy head",
            "contract": "permanent",
            "started_on": "2019-09-01",
        },
    )
    assert response.status_code == 302
    imogen.refresh_from_db()
    assert imogen.job_title == "Deputy head"
    event = AuditEvent.objects.get(action="person.updated")
    assert event.changes["job_title"] == ["Class teacher", "Deputy head"]


@pytest.mark.parametrize(
    ("left_on", "message"),
    [
        ("", "This field is required."),
        ("not-a-date", "Enter a real date, like 31 August 2025."),
        ("2019-08-31", "They cannot leave before the date they started."),
        ("2099-01-01", "Enter a date within the next year."),
    ],
)
def test_marking_a_leaver_with_a_bad_date_explains_and_changes_nothing(
    client_for, office, school, people, left_on, message
):
    imogen = people["imogen"]
    imogen.started_on = dt.date(2019, 9, 1)
    imogen.save()
    response = client_for(office).post(
        f"/s/{school.slug}/people/{imogen.pk}/leave/", {"left_on": left_on}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    imogen.refresh_from_db()
    assert imogen.left_on is None


def test_a_leaver_is_archived_not_deleted(client_for, office, school, people):
    imogen = people["imogen"]
    response = client_for(office).post(
        f"/s/{school.slug}/people/{imogen.pk}/leave/", {"left_on": "2026-02-27"}
    )
    assert response.status_code == 302
    imogen.refresh_from_db()
    assert imogen.left_on == dt.date(2026, 2, 27)
    assert AuditEvent.objects.get(action="person.updated").changes["left_on"] == [
        None,
        "2026-02-27",
    ]
    page = client_for(office).get(f"/s/{school.slug}/people/?status=left").content.decode()
    assert "Farrow, Imogen" in page and "Left 27 February 2026" in page


def test_someone_leaving_at_the_end_of_term_is_still_current_until_then(client_for, office, school):
    import datetime as dt

    from bastion.people.services import person_create

    today = dt.date.today()
    person_create(
        actor=office,
        school=school,
        data={
            "kind": "staff",
            "first_name": "Leaving",
            "last_name": "Soon",
            "left_on": today + dt.timedelta(days=30),
        },
    )
    person_create(
        actor=office,
        school=school,
        data={
            "kind": "staff",
            "first_name": "Gone",
            "last_name": "Already",
            "left_on": today - dt.timedelta(days=1),
        },
    )
    current = client_for(office).get(f"/s/{school.slug}/people/").content.decode()
    left = client_for(office).get(f"/s/{school.slug}/people/?status=left").content.decode()
    assert "Soon" in current and "Already" not in current
    assert "Already" in left and "Soon" not in left
