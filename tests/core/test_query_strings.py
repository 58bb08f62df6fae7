"""Every school page, walked from the URLconf, answers hostile query strings without a 500."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests import tenancy

LIST_ROUTES = [r for r in tenancy.school_routes() if not r.row_params]
# The names that list pages read, each given wrong, oversized and hostile values.
KEYS = ["page", "q", "action", "show", "sort", "order", "kind", "status", "year", "format"]
VALUES = ["abc", "-1", "0", "99999999999999999999", "\x00", "<script>x</script>", "x" * 10_000]


@pytest.mark.parametrize("route", LIST_ROUTES, ids=lambda r: r.label)
def test_hostile_query_strings_never_break_a_school_page(route, client_for, siro, school):
    client = client_for(siro)
    url = route.url(school.slug)
    for value in VALUES:
        response = client.get(f"{url}?{urlencode(dict.fromkeys(KEYS, value))}")
        assert response.status_code < 500, f"{url} with {value[:20]!r} -> {response.status_code}"
        assert b"<script>x</script>" not in response.content
