"""Writing under concurrency: the order rows are locked in, and running again a transaction the
database ended to break a deadlock.

The lock order, in every transaction that changes something:

1. the rows the change is about (the school, the incident, the device, the link ...), each
   locked with `select_for_update(no_key=True)`: FOR NO KEY UPDATE keeps out every other writer
   of the row but not the key-share lock a foreign key takes when a row pointing at it is
   inserted, so locking a school never waits on (or blocks) another school member's insert;
2. the audit head, last: `audit.record` locks it, and nothing is locked after the first event
   of a transaction (rows already locked may still be changed).

PostgreSQL can still end a transaction to break a cycle this order does not foresee, or a
serializable snapshot it cannot keep; `retry_conflicts` runs such a transaction again, from the
start, a few times, before letting the error through. SQLite takes one writer at a time and
never needs it.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from functools import wraps

from django.db import OperationalError, connection

log = logging.getLogger(__name__)

ATTEMPTS = 4
# PostgreSQL's codes: deadlock_detected and serialization_failure.
CONFLICTS = {"40P01", "40001"}


def conflict(error: BaseException) -> bool:
    """Whether the database ended the transaction to break a deadlock or a serialization
    conflict (running it again will succeed), rather than for a fault in it."""
    cause = error.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return isinstance(error, OperationalError) and code in CONFLICTS


def retry_conflicts[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    """Run `func` (which opens its own transaction) again when the database ends it with a
    deadlock or a serialization conflict. Only the outermost transaction is run again: inside
    another one, the error goes up to whoever opened it."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if connection.in_atomic_block:
            return func(*args, **kwargs)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return func(*args, **kwargs)
            except OperationalError as error:
                if attempt == ATTEMPTS or not conflict(error):
                    raise
                log.warning("%s: %s; running it again (%d)", func.__qualname__, error, attempt)
                # Apart at random, so the transactions that met do not meet again.
                time.sleep(random.uniform(0.005, 0.02) * 2**attempt)
        raise AssertionError("unreachable")

    return wrapper
