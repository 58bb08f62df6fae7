"""The audit trail page: the school's events and its members' sign-ins, not another school's."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bastion.core import audit
from tests.conftest import PASSWORD


def _url(school, query: str = "") -> str:
    return f"/s/{school.slug}/audit/{query}"


def _sign_in(email: str, password: str = PASSWORD) -> None:
    Client().post("/accounts/login/", {"login": email, "password": password})


@pytest.mark.parametrize("who", ["siro", "dpo", "trust_admin"])
def test_the_siro_the_dpo_and_a_trust_admin_see_the_audit_trail(who, request, client_for, school):
    response = client_for(request.getfixturevalue(who)).get(_url(school))
    assert response.status_code == 200
    assert "Audit trail" in response.content.decode()


@pytest.mark.parametrize("who", ["it_lead", "office", "staff", "governor"])
def test_other_roles_are_refused_the_audit_trail(who, request, client_for, school):
    response = client_for(request.getfixturevalue(who)).get(_url(school))
    assert response.status_code == 403
    assert "You cannot open this page" in response.content.decode()


def test_it_shows_the_schools_events_and_its_members_sign_ins_but_nothing_of_another_school(
    client_for, siro, dpo, staff, outsider, school, other_school
):
    client = client_for(siro)
    client.post(
        f"/s/{school.slug}/settings/",
        {"name": "Ashmole Primary", "urn": "100000", "idle_lock_minutes": "12"},
    )
    _sign_in(staff.email)  # a member signs in
    _sign_in(staff.email, "wrong-password")  # and gets it wrong once
    _sign_in(outsider.email)  # someone of another school signs in
    _sign_in(outsider.email, "wrong-password")
    audit.record(
        "school.settings_changed",
        actor=outsider,
        school=other_school,
        obj=other_school,
        changes={"name": ["Brookfield Primary", "Brookfield Secret"]},
    )

    page = client.get(_url(school)).content.decode()
    assert "school.settings_changed" in page and "10 → 12" in page
    assert page.count(staff.email) >= 2
    assert "auth.login" in page and "auth.login_failed" in page
    assert outsider.email not in page
    assert "Brookfield" not in page


def test_the_kind_filter_shows_only_that_kind(client_for, siro, staff, school):
    audit.record("school.settings_changed", actor=siro, school=school, obj=school)
    audit.record("member.roles_changed", actor=siro, school=school, obj=school)
    response = client_for(siro).get(_url(school, "?action=school."))
    assert [e.action for e in response.context["page"]] == ["school.settings_changed"]


@pytest.mark.parametrize(
    "query",
    [
        "?page=abc",
        "?page=99999",
        "?page=-1",
        "?page=",
        "?action=junk",
        "?action=" + "x" * 10_000,
        "?action=%00%27%22<script>",
        "?q=" + "q" * 10_000,
    ],
    ids=lambda q: q[:16],
)
def test_hostile_query_strings_get_a_page_not_an_error(query, client_for, siro, school):
    for n in range(60):
        audit.record("school.viewed", actor=siro, school=school, changes={"n": n})
    response = client_for(siro).get(_url(school, query))
    assert response.status_code == 200
    assert len(response.context["page"]) > 0
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_an_unknown_kind_of_event_says_so_and_shows_everything(client_for, siro, school):
    audit.record("school.settings_changed", actor=siro, school=school, obj=school)
    response = client_for(siro).get(_url(school, "?action=junk"))
    assert "not one of the choices" in response.content.decode()
    assert response.context["action"] == ""
    # Everything: the settings change and the sign-in that opened the session.
    assert [e.action for e in response.context["page"]] == ["auth.login", "school.settings_changed"]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_audit_trail_costs_the_same_queries_for_5_or_60_events(client_for, siro, school):
    client = client_for(siro)
    client.get(_url(school))  # the session's first request writes it
    for n in range(5):
        audit.record("member.roles_changed", actor=siro, school=school, changes={"n": [n, n]})
    few = _queries(client, _url(school))
    for _ in range(55):
        audit.record("auth.login", actor=siro)
    many = _queries(client, _url(school))
    assert few == many


def test_changes_read_as_before_and_after_and_facts_as_they_are(client_for, siro, school):
    audit.record(
        "member.roles_changed",
        actor=siro,
        school=school,
        changes={
            "roles": [["staff"], ["dpo", "staff"]],
            "job_title": ["", "Business manager"],
            "note": "<b>kept as text</b>",
            "try": 2,
        },
    )
    page = client_for(siro).get(_url(school)).content.decode()
    assert "<strong>roles</strong>: staff → dpo, staff" in page
    assert "<strong>job_title</strong>: — → Business manager" in page
    assert "<strong>note</strong>: &lt;b&gt;kept as text&lt;/b&gt;</div>" in page
    assert "<strong>try</strong>: 2</div>" in page
