"""The idle lock (policy T2): a session unused for the school's setting is locked.

The server keeps the time of the last activity in the session. Once it is older than the limit
the session is marked locked and every request except unlocking, signing out and the status
check is refused until the password (and a second factor, if enrolled) is given again. The
page's script (static/bastion/idle.js) shows the warning and the unlock dialog in place, so the
form the user was typing in stays on the page untouched.
"""

from __future__ import annotations

import time

from django.conf import settings

LAST = "idle_last_activity"
LOCKED = "idle_locked"
LIMIT = "idle_lock_minutes"
# Don't rewrite the session on every request: a few seconds' precision is plenty.
WRITE_EVERY_SECONDS = 15


def limit_seconds(request) -> int:
    minutes = request.session.get(LIMIT) or settings.BASTION_IDLE_LOCK_MINUTES
    return int(minutes) * 60


def seconds_idle(request, now: float | None = None) -> float:
    last = request.session.get(LAST)
    if last is None:
        return 0.0
    return max(0.0, (now or time.time()) - float(last))


def is_locked(request) -> bool:
    if request.session.get(LOCKED):
        return True
    return seconds_idle(request) > limit_seconds(request)


def lock(request) -> None:
    request.session[LOCKED] = True


def mark_active(request, *, force: bool = False) -> None:
    now = time.time()
    last = request.session.get(LAST)
    if force or last is None or now - float(last) >= WRITE_EVERY_SECONDS:
        request.session[LAST] = now
    if force:
        request.session.pop(LOCKED, None)


def status(request) -> dict:
    locked = is_locked(request)
    remaining = 0 if locked else max(0, int(limit_seconds(request) - seconds_idle(request)))
    return {"locked": locked, "remaining": remaining, "limit": limit_seconds(request)}
