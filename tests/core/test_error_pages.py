"""Plain error pages in the service's own style: 404, 403, 429 and a 500 that needs no database."""

from __future__ import annotations

import re

from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.views.defaults import server_error


def test_a_page_that_does_not_exist_gets_the_404_page(client_for, staff):
    response = client_for(staff).get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<title>Page not found \N{EN DASH} Bastion</title>" in page
    assert 'href="/">Go to your schools</a>' in page


def test_another_schools_page_looks_exactly_like_a_missing_school(client_for, staff, other_school):
    client = client_for(staff)
    other = client.get(f"/s/{other_school.slug}/")
    missing = client.get("/s/no-such-school/")
    assert other.status_code == missing.status_code == 404

    def plain(response, slug):
        # Only the per-request nonce and CSRF token may differ.
        text = response.content.decode().replace(slug, "")
        return re.sub(r'(nonce|data-csrf|value)="[^"]*"', "", text)

    assert plain(other, other_school.slug) == plain(missing, "no-such-school")


def test_a_role_without_permission_gets_the_403_page(client_for, staff, school):
    response = client_for(staff).get(f"/s/{school.slug}/settings/")
    assert response.status_code == 403
    assert "Your role at Ashmole Primary does not allow this." in response.content.decode()


def test_the_500_page_renders_without_touching_the_database(db):
    request = RequestFactory().get("/")
    with CaptureQueriesContext(connection) as queries:
        response = server_error(request)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()
    assert len(queries) == 0


def test_too_many_password_resets_get_the_429_page(client, staff):
    for _ in range(3):
        client.post("/accounts/password/reset/", {"email": staff.email})
    response = client.post("/accounts/password/reset/", {"email": staff.email})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
