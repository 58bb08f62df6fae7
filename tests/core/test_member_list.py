"""People and roles: the school's members, searchable, paged, at a cost that does not grow."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.accounts.models import User
from bastion.core.models import Membership


def _url(school, query: str = "") -> str:
    return f"/s/{school.slug}/members/{query}"


def _add_members(school, start: int, count: int) -> None:
    users = User.objects.bulk_create(
        User(email=f"member{n}@ashmole.example.org", first_name="Member", last_name=f"{n:03}")
        for n in range(start, start + count)
    )
    Membership.objects.bulk_create(Membership(user=u, school=school) for u in users)


@pytest.mark.parametrize("who", ["siro", "dpo", "it_lead", "office", "trust_admin"])
def test_the_roles_that_look_after_people_see_the_list(who, request, client_for, staff, school):
    response = client_for(request.getfixturevalue(who)).get(_url(school))
    assert response.status_code == 200
    assert staff.email in response.content.decode()


@pytest.mark.parametrize("who", ["staff", "governor"])
def test_staff_and_governors_do_not(who, request, client_for, school):
    assert client_for(request.getfixturevalue(who)).get(_url(school)).status_code == 403


def test_it_lists_only_this_schools_members(client_for, siro, staff, outsider, school):
    page = client_for(siro).get(_url(school)).content.decode()
    assert staff.email in page and outsider.email not in page


def test_search_finds_a_member_by_name_or_email(client_for, siro, staff, dpo, school):
    client = client_for(siro)
    for query in ("?q=sam", "?q=SAM.STAFF@", "?q=Staff"):
        members = [m.user for m in client.get(_url(school, query)).context["page"]]
        assert members == [staff], query


def test_the_roles_link_is_offered_only_to_who_may_use_it(client_for, siro, office, staff, school):
    link = f'href="/s/{school.slug}/members/{staff.memberships.get().pk}/"'
    assert link in client_for(siro).get(_url(school)).content.decode()
    assert link not in client_for(office).get(_url(school)).content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "?page=abc",
        "?page=99999",
        "?page=0",
        "?q=" + "q" * 10_000,
        "?q=%00",
        "?q=<script>alert(1)</script>",
        "?show=junk",
        "?show=left&page=-3",
    ],
    ids=lambda q: q[:16],
)
def test_hostile_query_strings_get_a_page_not_an_error(query, client_for, siro, school):
    _add_members(school, 0, 60)
    response = client_for(siro).get(_url(school, query))
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.content.decode()


def test_a_page_number_past_the_end_shows_the_last_page(client_for, siro, school):
    _add_members(school, 0, 60)
    page = client_for(siro).get(_url(school, "?page=99999")).context["page"]
    assert (page.number, page.paginator.num_pages) == (2, 2)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_5_or_60_members(client_for, siro, school):
    client = client_for(siro)
    client.get(_url(school))  # the session's first request writes it
    _add_members(school, 0, 5)
    few = _queries(client, _url(school))
    _add_members(school, 5, 55)
    many = _queries(client, _url(school))
    assert len(client.get(_url(school)).context["page"]) == 50
    assert few == many
