"""Who owns each control and how often it is attested, until a school changes it.

Rows the registers compute need no periodic attestation by default; a row with nothing computed
is attested (yearly unless named here). T16 (cross-cut shredding) can only be attested.
"""

from __future__ import annotations

from bastion.controls.catalogue import ROWS
from bastion.controls.models import Frequency

OWNER_ROLE: dict[str, str] = {
    "P0": "siro",
    "P1": "siro",
    "P2": "siro",
    "P3": "dpo",
    "P4": "dpo",
    "P5": "office",
    "P6": "office",
    "P7": "siro",  # the DfE standard: a named senior leader is responsible
    "P8": "dpo",
    "P12": "dpo",
    "P14": "dpo",
    "T7": "office",
    "T10": "office",
    "T16": "office",
}
FREQUENCY: dict[str, str] = {"T16": Frequency.TERMLY}


def owner_role(code: str) -> str:
    return OWNER_ROLE.get(code, "it_lead")


def frequency(code: str) -> str:
    return FREQUENCY.get(code, Frequency.NONE)


assert set(OWNER_ROLE) <= set(ROWS) and set(FREQUENCY) <= set(ROWS)
