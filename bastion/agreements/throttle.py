"""Rate limits of the public signing pages, kept in the shared cache (as sign-in's are), so
they hold across app processes. Per client address, read through the trusted proxies
(bastion.core.clients), so parents behind the school's reverse proxy are not one address: a few
wrong links, more page views (a school's parents may share one address at a parents' evening)."""

from __future__ import annotations

from django.core.cache import cache

from bastion.core import audit, clients

WINDOW_SECONDS = 10 * 60
MAX_FAILURES = 10  # unknown links per address per window
MAX_REQUESTS = 60  # signing page views and submissions per address per window


def _key(kind: str, request) -> str:
    return f"agreements:sign:{kind}:{clients.client_ip(request) or 'unknown'}"


def _count(kind: str, request) -> int:
    return cache.get(_key(kind, request), 0)


def _bump(kind: str, request) -> int:
    key = _key(kind, request)
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
        return 1


def allow(request) -> bool:
    """Count this request; False when the address has reached either limit."""
    if _count("fail", request) >= MAX_FAILURES:
        return False
    return _bump("hit", request) <= MAX_REQUESTS


def failed(request) -> None:
    """An unknown link was tried from this address."""
    if _bump("fail", request) == MAX_FAILURES:
        audit.record(
            "agreement.link_throttled",
            request=request,
            actor_label="signing link",
            changes={"failures": MAX_FAILURES},
        )
