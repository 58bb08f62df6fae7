"""Counted words as pages and mails write them: "1 lockable place", "2 lockable places"."""

from __future__ import annotations


def plural(n: int, one: str, many: str | None = None) -> str:
    """ "1 device", "3 devices"; `many` is for words that do not just take an "s"."""
    return f"{n} {one if n == 1 else (many if many is not None else one + 's')}"
