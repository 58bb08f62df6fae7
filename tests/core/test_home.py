"""The home page: the schools a person can open, and switching between them."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.core.models import School
from tests.conftest import add_member


def test_a_member_of_one_school_goes_straight_into_it(client_for, staff, school):
    response = client_for(staff).get("/")
    assert response.status_code == 302
    assert response["Location"] == f"/s/{school.slug}/"


def test_someone_signed_out_is_asked_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_member_of_two_schools_chooses_and_can_switch(client_for, staff, school, other_school):
    add_member(staff, other_school, "governor")
    client = client_for(staff)
    response = client.get("/")
    assert response.status_code == 200
    assert [s.slug for s in response.context["schools"]] == ["ashmole", "brookfield"]
    assert client.get(f"/s/{other_school.slug}/").status_code == 200
    page = client.get(f"/s/{school.slug}/").content.decode()
    assert 'href="/">Switch school</a>' in page
    # The school last opened is marked on the list.
    assert client.get("/").context["last_school"] == school.slug


def test_a_member_of_one_school_is_not_offered_a_switch(client_for, staff, school):
    assert "Switch school" not in client_for(staff).get(f"/s/{school.slug}/").content.decode()


def test_a_school_the_person_left_is_not_listed(client_for, staff, school, other_school):
    add_member(staff, other_school, "staff")
    staff.memberships.filter(school=school).update(active=False)
    response = client_for(staff).get("/")
    assert response["Location"] == f"/s/{other_school.slug}/"


def test_a_trust_admin_sees_every_school_of_the_trust_and_none_of_another(
    client_for, trust_admin, school, other_school
):
    School.objects.create(trust=school.trust, name="Cedar Junior", slug="cedar", urn="100002")
    response = client_for(trust_admin).get("/")
    page = response.content.decode()
    assert [s.slug for s in response.context["schools"]] == ["ashmole", "cedar"]
    assert "Cedar Junior" in page
    assert other_school.name not in page


def test_someone_without_a_school_is_told_how_to_join(client_for, db):
    from tests.conftest import make_user

    response = client_for(make_user("new.person@example.org")).get("/")
    assert response.status_code == 200
    assert "Ask your school's office or SIRO to invite you" in response.content.decode()


def _queries_for_home(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def test_the_home_page_costs_the_same_queries_for_5_or_60_schools(client_for, trust_admin, trust):
    client = client_for(trust_admin)
    School.objects.bulk_create(
        School(trust=trust, name=f"School {n:02}", slug=f"s{n}", urn=f"2000{n:02}")
        for n in range(5)
    )
    _queries_for_home(client)  # the first request of a session also writes the session
    few = _queries_for_home(client)
    School.objects.bulk_create(
        School(trust=trust, name=f"School {n:02}", slug=f"s{n}", urn=f"2000{n:02}")
        for n in range(5, 60)
    )
    many = _queries_for_home(client)
    assert len(client.get("/").context["schools"]) == 60
    assert few == many
