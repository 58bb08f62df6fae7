"""Every school page, walked from the URLconf: another school's pages and rows answer 404.

The walker (tests/tenancy.py) finds every URL pattern, so pages added by later apps are covered
here without a line of their own.
"""

from __future__ import annotations

import pytest

from bastion.core.permissions import PERMISSIONS
from tests import tenancy
from tests.conftest import add_member, make_user

SCHOOL_ROUTES = tenancy.school_routes()
OTHER_ROUTES = tenancy.other_routes()
ROW_ROUTES = [r for r in SCHOOL_ROUTES if r.row_params]
# Those who may do everything in school A: for them a row of school B can only be a 404.
FULL_POWER = {"siro", "trust_admin"}


@pytest.fixture
def school_a_people(siro, dpo, it_lead, office, staff, governor, trust_admin):
    return {
        "siro": siro,
        "dpo": dpo,
        "it_lead": it_lead,
        "office": office,
        "staff": staff,
        "governor": governor,
        "trust_admin": trust_admin,
    }


@pytest.fixture
def school_b_rows(school_a_people, other_school, outsider):
    # Made after school A's people, so every id of school A is far below ROW_ID.
    return tenancy.create_rows(other_school)


def _status(client, method: str, url: str) -> int:
    return (client.get(url) if method == "GET" else client.post(url, {})).status_code


def test_the_walker_finds_the_school_pages_and_their_row_urls():
    names = {r.name for r in SCHOOL_ROUTES}
    assert {"school-home", "school-settings", "member-list", "member-edit", "audit-log"} <= names
    assert {"member-edit", "member-deactivate"} <= {r.name for r in ROW_ROUTES}
    assert "home" in {r.name for r in OTHER_ROUTES}


def test_school_b_gets_a_row_with_the_shared_id_in_every_school_owned_table(school_b_rows):
    labels = {model._meta.label_lower for model in school_b_rows}
    assert {"core.membership", "core.auditevent", "accounts.invitation"} <= labels
    assert all(row.pk == tenancy.ROW_ID for row in school_b_rows.values())


@pytest.mark.parametrize("route", SCHOOL_ROUTES, ids=lambda r: r.label)
def test_every_school_view_resolves_its_school_through_school_view(route):
    if route.name in tenancy.NOT_SCHOOL_VIEWS:
        pytest.skip(tenancy.NOT_SCHOOL_VIEWS[route.name])
    action = getattr(route.callback, "school_action", None)
    assert action in PERMISSIONS, f"{route.label} is not decorated with school_view(<action>)"


@pytest.mark.parametrize("route", SCHOOL_ROUTES, ids=lambda r: r.label)
def test_a_member_of_school_a_gets_404_for_every_page_of_school_b(
    route, school_a_people, school_b_rows, other_school, client_for
):
    url = route.url(other_school.slug)
    wrong = []
    for name, user in school_a_people.items():
        client = client_for(user)
        for method in ("GET", "POST"):
            status = _status(client, method, url)
            if status != 404:
                wrong.append(f"{name} {method} {url} -> {status}")
    assert not wrong, "another school's page answered:\n" + "\n".join(wrong)


@pytest.mark.parametrize("route", ROW_ROUTES, ids=lambda r: r.label)
def test_school_b_rows_are_404_through_school_a_urls(
    route, school_a_people, school_b_rows, school, client_for
):
    url = route.url(school.slug)
    wrong = []
    for name, user in school_a_people.items():
        # A role without the page's permission may be refused first (403); that shows nothing.
        allowed = {404, 405} if name in FULL_POWER else {403, 404, 405}
        client = client_for(user)
        for method in ("GET", "POST"):
            status = _status(client, method, url)
            if status not in allowed:
                wrong.append(f"{name} {method} {url} -> {status}")
    assert not wrong, "a row of another school answered:\n" + "\n".join(wrong)


@pytest.mark.parametrize("route", SCHOOL_ROUTES, ids=lambda r: r.label)
def test_a_former_member_gets_404_for_every_page_of_their_old_school(route, school, client_for):
    leaver = make_user("lee.left@ashmole.example.org")
    membership = add_member(leaver, school, "staff")
    membership.active = False
    membership.save()
    client = client_for(leaver)
    url = route.url(school.slug)
    assert [_status(client, m, url) for m in ("GET", "POST")] == [404, 404]


@pytest.mark.parametrize("route", OTHER_ROUTES, ids=lambda r: r.label)
def test_pages_outside_a_school_never_fail_for_an_outsider_or_a_stranger(
    route, outsider, school_b_rows, school, client, client_for
):
    url = route.url(school.slug)
    for method in ("GET", "POST"):
        # A fresh session each time: one of these pages signs the user out.
        for who in (client_for(outsider), client):
            status = _status(who, method, url)
            assert status < 500, f"{method} {url} -> {status}"


LIST_ROUTES = [r for r in SCHOOL_ROUTES if not r.row_params]


@pytest.mark.parametrize("route", LIST_ROUTES, ids=lambda r: r.label)
def test_school_a_pages_show_nothing_of_school_b(
    route, school_a_people, school_b_rows, school, client_for
):
    # Every row of school B carries "Brookfield" (its names, e-mails, texts): a list page
    # that forgets to scope its query shows it.
    url = route.url(school.slug)
    for name in sorted(FULL_POWER):
        response = client_for(school_a_people[name]).get(url, follow=True)
        assert response.status_code == 200, f"{name} GET {url} -> {response.status_code}"
        assert "brookfield" not in response.content.decode().lower(), f"{name} sees B at {url}"
