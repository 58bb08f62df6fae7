"""Reading the Single Central Record, or anybody's record in the directory (a pupil's too), is in
the audit trail: one event per page seen, never one per row (issue 15, fault 7)."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.core.models import AuditEvent
from bastion.people.models import Kind, ParentLink, Person
from bastion.people.views.scr import PAGE_SIZE
from tests.people.test_scr_rules import add_person

pytestmark = pytest.mark.django_db


def pupil(school, first="Juniper") -> Person:
    return Person.objects.create(
        school=school,
        kind=Kind.PUPIL,
        first_name=first,
        last_name="Quillfeather",
        year_group="3",
        class_name="3B",
        date_of_birth=dt.date(2017, 5, 1),
    )


def test_viewing_the_scr_writes_one_event_naming_the_school_and_the_filter(
    school, office, dpo, client_for
):
    add_person(office, school, first_name="Abel", last_name="Archer")
    client = client_for(dpo)

    assert client.get(f"/s/{school.slug}/scr/").status_code == 200
    response = client.get(f"/s/{school.slug}/scr/", {"status": "gaps", "kind": "staff", "q": "ab"})
    assert response.status_code == 200

    first, second = AuditEvent.objects.filter(action="scr.report_viewed").order_by("id")
    assert (first.actor, first.school, first.object_repr) == (
        dpo,
        school,
        "Single Central Record of Ashmole Primary",
    )
    assert first.changes == {"filters": "Everyone", "page": 1}
    assert second.changes == {"filters": "Missing checks; kind: staff; name: ab", "page": 1}
    assert first.ip == "127.0.0.1"


def test_a_scr_page_of_many_rows_still_writes_one_event(school, office, client_for):
    for i in range(PAGE_SIZE + 5):
        add_person(office, school, first_name=f"P{i}", last_name=f"Q{i}")
    client = client_for(office)
    before = AuditEvent.objects.count()

    response = client.get(f"/s/{school.slug}/scr/", {"page": "2"})

    assert len(response.context["rows"]) == 5
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert event.action == "scr.report_viewed"
    assert event.changes == {"filters": "Everyone", "page": 2}


def test_viewing_a_pupils_record_writes_one_event(school, office, client_for):
    child = pupil(school)
    response = client_for(office).get(f"/s/{school.slug}/people/{child.pk}/")
    assert response.status_code == 200
    [event] = AuditEvent.objects.filter(action="person.viewed")
    assert (event.actor, event.school, event.object_type, event.object_id) == (
        office,
        school,
        "people.person",
        str(child.pk),
    )
    assert event.object_repr == "Juniper Quillfeather"


def test_a_parents_record_listing_many_children_still_writes_one_event(school, office, client_for):
    parent = Person.objects.create(school=school, kind=Kind.PARENT, first_name="Marigold")
    for i in range(6):
        ParentLink.objects.create(
            school=school, parent=parent, child=pupil(school, f"Child{i}"), relationship="mother"
        )
    client_for(office).get(f"/s/{school.slug}/people/{parent.pk}/")
    [event] = AuditEvent.objects.filter(action="person.viewed")
    assert event.object_id == str(parent.pk)


def test_a_record_nobody_may_see_writes_no_view_event(
    school, other_school, office, staff, outsider, client_for
):
    child = pupil(school)
    assert client_for(staff).get(f"/s/{school.slug}/people/{child.pk}/").status_code == 403
    assert client_for(staff).get(f"/s/{school.slug}/scr/").status_code == 403
    theirs = pupil(other_school)
    assert client_for(office).get(f"/s/{school.slug}/people/{theirs.pk}/").status_code == 404
    assert not AuditEvent.objects.filter(action__in=["person.viewed", "scr.report_viewed"])
