"""Behind the reverse proxy every client is still its own address: the sign-in throttle, the
signing links' throttle and the audit trail read X-Forwarded-For through the trusted proxies
only, and a forged or malformed header changes nothing (issue 15, fault 1)."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client, RequestFactory

from bastion.agreements import links, throttle
from bastion.agreements.models import Signature
from bastion.core import clients
from bastion.core.models import AuditEvent
from tests.agreements.helpers import agreements, parent_of, pupil
from tests.conftest import PASSWORD

PROXY = "10.0.0.2"  # the nginx in front of Bastion
STRANGER = "203.0.113.66"
COLLEAGUE = "198.51.100.20"
# The "30/5m/ip" part of the sign-in throttle (allauth's own "login" limit is 30/m/ip too).
PER_ADDRESS = int(django_settings.ACCOUNT_RATE_LIMITS["login_failed"].split("/")[0])


@pytest.fixture(autouse=True)
def _fresh_throttle(db):
    cache.clear()
    yield
    cache.clear()


def trust_proxies(settings, count: int) -> None:
    # As settings.py sets both from TRUSTED_PROXY_COUNT.
    settings.TRUSTED_PROXY_COUNT = count
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = count


def via_proxy(address: str, forged: str = "") -> dict:
    """What nginx passes on with `X-Forwarded-For $proxy_add_x_forwarded_for`: whatever the
    client sent in the header, then the address the client connected from."""
    forwarded = f"{forged}, {address}" if forged else address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


def sign_in(client, email, password, **meta):
    return client.post("/accounts/login/", {"login": email, "password": password}, **meta)


# The one reading of the address -----------------------------------------------------------


@pytest.mark.parametrize(
    "count, forwarded, expected",
    [
        (0, "198.51.100.1", PROXY),  # no trusted proxy: the header is ignored
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "192.0.2.9, 198.51.100.1", "198.51.100.1"),  # the client's own left part ignored
        (2, "192.0.2.9, 198.51.100.1, 10.0.0.7", "198.51.100.1"),
        (1, "198.51.100.1:4711", "198.51.100.1"),
        (1, "[2001:DB8::1]:443", "2001:db8::1"),
        (1, "::ffff:198.51.100.1", "198.51.100.1"),
        (2, "198.51.100.1", PROXY),  # fewer entries than proxies: not through all of them
        (1, "not an address", PROXY),
        (1, "198.51.100.1, ", PROXY),
        (1, ",,,", PROXY),
        (1, "", PROXY),
    ],
)
def test_the_client_is_counted_from_the_right_and_a_bad_header_falls_back(
    settings, count, forwarded, expected
):
    trust_proxies(settings, count)
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert clients.client_ip(request) == expected


# Sign-in -------------------------------------------------------------------------------------


def test_behind_one_trusted_proxy_a_strangers_failed_sign_ins_lock_out_only_the_stranger(
    settings, staff
):
    trust_proxies(settings, 1)
    stranger = Client()
    for i in range(PER_ADDRESS):
        # Made-up accounts, and a new forged left part of X-Forwarded-For each time.
        forged = f"192.0.2.{i}"
        sign_in(stranger, f"nobody{i}@example.org", "guess", **via_proxy(STRANGER, forged))
    refused = sign_in(stranger, staff.email, PASSWORD, **via_proxy(STRANGER, "192.0.2.250"))
    assert refused.status_code == 429
    assert "_auth_user_id" not in stranger.session

    colleague = Client()
    assert sign_in(colleague, staff.email, PASSWORD, **via_proxy(COLLEAGUE)).status_code == 302
    assert colleague.session["_auth_user_id"] == str(staff.pk)
    assert AuditEvent.objects.get(action="auth.login").ip == COLLEAGUE
    failed = AuditEvent.objects.filter(action="auth.login_failed")
    assert set(failed.values_list("ip", flat=True)) == {STRANGER}


def test_with_no_trusted_proxy_a_forged_x_forwarded_for_is_ignored(client, staff):
    for i in range(PER_ADDRESS):
        meta = {"REMOTE_ADDR": STRANGER, "HTTP_X_FORWARDED_FOR": f"192.0.2.{i}"}
        sign_in(client, f"nobody{i}@example.org", "guess", **meta)
    meta = {"REMOTE_ADDR": STRANGER, "HTTP_X_FORWARDED_FOR": COLLEAGUE}
    assert sign_in(client, staff.email, PASSWORD, **meta).status_code == 429
    assert "_auth_user_id" not in client.session
    failed = AuditEvent.objects.filter(action="auth.login_failed")
    assert set(failed.values_list("ip", flat=True)) == {STRANGER}


@pytest.mark.parametrize("forwarded", ["198.51.100.1", "not an address", "", "::::"])
def test_a_header_that_does_not_fit_the_proxies_still_signs_in_never_a_500(
    settings, staff, forwarded
):
    trust_proxies(settings, 2)
    client = Client()
    meta = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}
    assert sign_in(client, staff.email, PASSWORD, **meta).status_code == 302
    assert AuditEvent.objects.get(action="auth.login").ip == PROXY


# Signing links -------------------------------------------------------------------------------


def _new_link(school, person) -> str:
    from bastion.agreements.coverage import people

    annotated = people([school]).get(pk=person.pk)
    [(_, url, _)] = links.links_for_letters(actor=None, school=school, persons=[annotated])
    return "/" + url.split("/", 3)[3]


def test_behind_one_trusted_proxy_guessed_signing_links_stop_only_the_guesser(settings, school):
    trust_proxies(settings, 1)
    agreements(school)
    parent = parent_of(school, pupil(school, "3", "3A"), first="Marigold")
    path = _new_link(school, parent)
    guesser = Client()
    for i in range(throttle.MAX_FAILURES):
        response = guesser.get(f"/sign/guess-{i}/", **via_proxy(STRANGER, f"192.0.2.{i}"))
        assert response.status_code == 404
    assert guesser.get(path, **via_proxy(STRANGER, "192.0.2.250")).status_code == 429
    assert AuditEvent.objects.get(action="agreement.link_throttled").ip == STRANGER

    family = Client()
    assert family.get(path, **via_proxy(COLLEAGUE)).status_code == 200
    response = family.post(path, {"typed_name": "Marigold", "agree": "on"}, **via_proxy(COLLEAGUE))
    assert response.status_code == 302
    assert Signature.objects.get(person=parent).ip == COLLEAGUE
