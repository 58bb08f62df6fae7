"""The client's address, read one way for the sign-in throttle (allauth, through the account
adapter), the signing links' throttle and the audit trail, so the three always agree.

Behind the reverse proxies each one appends the address it received the request from to
X-Forwarded-For; whatever the client sent in that header itself stays on the left. Only our own
proxies are believed: the client is the entry TRUSTED_PROXY_COUNT places from the right (as
allauth reads it), so a forged left part changes nothing. With no trusted proxy (the default)
the header is ignored and the address is the connection's own. A header that does not fit (too
few entries, not an address) falls back to the connection's address rather than failing.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address in the form the database stores it (so the audit hash still
    matches), or None without a request or a readable address."""
    if request is None:
        return None
    return _address(_forwarded(request)) or _address(request.META.get("REMOTE_ADDR"))


def _forwarded(request) -> str | None:
    """The X-Forwarded-For entry TRUSTED_PROXY_COUNT places from the right, if there is one."""
    count = settings.TRUSTED_PROXY_COUNT
    header = request.META.get("HTTP_X_FORWARDED_FOR") or ""
    if count <= 0 or not header:
        return None
    hops = header.split(",")
    if len(hops) < count:
        return None  # it did not come through all our proxies
    return hops[-count]


def _address(value: str | None) -> str | None:
    text = (value or "").strip()
    # Some proxies add the port: "192.0.2.7:4711", "[2001:db8::1]:443".
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)
