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
from django.db.models import Min

LAST = "idle_last_activity"
LOCKED = "idle_locked"
LIMIT = "idle_lock_minutes"
# Don't rewrite the session on every request: a few seconds' precision is plenty.
WRITE_EVERY_SECONDS = 15
# The page reports activity at most about once a minute, saying how long ago it happened.
MAX_REPORTED_IDLE_SECONDS = 60


def _strictest_school_minutes(user) -> int | None:
    from bastion.core.models import School

    found = School.objects.for_user(user).aggregate(m=Min("idle_lock_minutes"))["m"]
    return int(found) if found else None


def limit_seconds(request) -> int:
    """The current school's setting; before any school page, the strictest of the user's."""
    minutes = request.session.get(LIMIT)
    if not minutes:
        minutes = _strictest_school_minutes(request.user) or settings.BASTION_IDLE_LOCK_MINUTES
        request.session[LIMIT] = minutes
    return int(minutes) * 60


def set_limit(request, minutes: int) -> None:
    """Use a school's setting from now on (written only when it changes)."""
    if request.session.get(LIMIT) != minutes:
        request.session[LIMIT] = minutes


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
    if not request.session.get(LOCKED):
        request.session[LOCKED] = True


def mark_active(request, *, force: bool = False, seconds_ago: float = 0) -> None:
    """Record activity now (or `seconds_ago`, at most a minute back); `force` also unlocks."""
    at = time.time() - min(max(seconds_ago, 0), MAX_REPORTED_IDLE_SECONDS)
    last = request.session.get(LAST)
    # Never move the last activity back: a page request may be newer than the reported activity.
    newest = at if last is None else max(at, float(last))
    if force or last is None or newest - float(last) >= WRITE_EVERY_SECONDS:
        request.session[LAST] = newest
    if force:
        request.session.pop(LOCKED, None)


def status(request) -> dict:
    locked = is_locked(request)
    limit = limit_seconds(request)
    remaining = 0 if locked else max(0, int(limit - seconds_idle(request)))
    return {"locked": locked, "remaining": remaining, "limit": limit}
