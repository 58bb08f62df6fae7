"""Cache-Control (issue 15, fault 6): no signed-in page is kept by the browser, so on a shared
staffroom computer the back button after sign-out cannot show the Single Central Record."""

from __future__ import annotations

import pytest

from tests import tenancy

pytestmark = pytest.mark.django_db

LIST_PAGES = [r for r in tenancy.routes() if not r.row_params]


def test_every_signed_in_response_says_no_store(siro, school, client_for):
    client = client_for(siro)
    kept = []
    for route in LIST_PAGES:
        url = route.url(school.slug)
        response = client.get(url)
        if "no-store" not in response.get("Cache-Control", ""):
            kept.append(f"{url} -> {response.status_code} {response.get('Cache-Control')!r}")
    assert not kept, "a signed-in response the browser may keep:\n" + "\n".join(kept)


def test_the_scr_is_not_kept_and_is_gone_after_sign_out(siro, school, client_for):
    client = client_for(siro)
    page = client.get(f"/s/{school.slug}/scr/")
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    signed_out = client.post("/accounts/logout/")
    assert signed_out["Cache-Control"] == "no-store"
    again = client.get(f"/s/{school.slug}/scr/")
    assert again.status_code == 302
    assert again.url.startswith("/accounts/login/")
