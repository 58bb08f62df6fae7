"""Folding text for search, so a query finds a name however it was typed: "Zoe" finds "Zoë",
"oneill" finds "O'Neill". The same fold is stored (e.g. Person.search_name) and applied to the
query, so the database only compares plain lower-case letters and digits, on any backend."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower-case letters and digits only: accents taken off (NFKD, combining marks dropped),
    case folded (ß becomes ss), punctuation and spaces dropped. A letter with no plainer form
    (ø, ł) stays as it is."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in plain.casefold() if c.isalnum())
