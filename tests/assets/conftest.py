from __future__ import annotations

import pytest

from tests.assets.assets import NOON


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(NOON, tick=False)
