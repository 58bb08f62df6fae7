"""Markdown written by a school (agreement texts, policy statements), rendered safely.

Markdown allows raw HTML, so the rendered HTML is cleaned with nh3 (ammonia): only the tags a
document needs survive, links keep http(s) and mailto only and open nothing in the page.
"""

from __future__ import annotations

from functools import lru_cache

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe

TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote",
    "code", "pre", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render(text: str) -> SafeString:
    return mark_safe(_render(text or ""))  # noqa: S308 - cleaned by nh3 in _render


# A pure function of the text, and a policy page renders some thirty statements on every view:
# each process keeps the latest two thousand answers (a few MB at most).
@lru_cache(maxsize=2048)
def _render(text: str) -> str:
    html = md.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return clean
