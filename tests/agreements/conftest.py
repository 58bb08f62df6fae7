from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttle(db):
    # The public signing page's rate limits live in the cache: start each test without them.
    cache.clear()
    yield
    cache.clear()
