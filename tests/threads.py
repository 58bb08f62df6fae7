"""Running changes at the same moment, each on its own database connection, as concurrent
requests would (the tests that use it need `django_db(transaction=True)` and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable


def at_once(jobs: list[Callable], threads: int | None = None) -> tuple[list, list[Exception]]:
    """Run `jobs` on `threads` threads (one a job by default), all released together; returns
    what the jobs returned and the errors they raised, each in the order they finished."""
    count = threads or len(jobs)
    start, lock, queue = threading.Barrier(count), threading.Lock(), iter(jobs)
    results, errors = [], []

    def worker():
        from django.db import connections

        try:
            start.wait()
            while True:
                with lock:
                    job = next(queue, None)
                if job is None:
                    return
                try:
                    results.append(job())
                except Exception as error:  # the caller decides which errors are failures
                    errors.append(error)
        finally:
            connections.close_all()

    running = [threading.Thread(target=worker) for _ in range(count)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    return results, errors
