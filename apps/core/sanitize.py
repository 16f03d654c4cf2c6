"""The one place author HTML is made safe. Every rendered Markdown passes through here.

An explicit allow-list run by bleach (html5lib parsing, so the browser's own
parsing rules decide what is an element). Anything not listed is escaped or
dropped: scripts, event handlers, ``javascript:``/``data:`` URLs, iframes, forms,
``style`` (no CSS sanitiser is configured, so no inline CSS at all), SVG and MathML.

bleach is deprecated upstream; keeping every call behind ``sanitize_html`` makes a
switch to another sanitiser one change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import bleach
from bleach.html5lib_shim import Filter  # type: ignore[attr-defined]

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div",
        "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
        "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong",
        "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
        "var",
    }
)  # fmt: skip

ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

_HEADING_ID = re.compile(r"^sec-[a-z0-9][a-z0-9-]{0,80}$")
_TOKEN_CLASSES = re.compile(r"^[a-z0-9]{1,4}( [a-z0-9]{1,4})*$")  # Pygments short names
_LANGUAGE_CLASS = re.compile(r"^language-[a-z0-9+#-]{1,20}$")
_ALIGN_CLASS = re.compile(r"^align-(left|center|right)$")
_NUMBER = re.compile(r"^[0-9]{1,4}$")


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    if name in {"title"}:
        return True
    if tag == "a":
        return name == "href"
    if tag == "img":
        return name in {"src", "alt"} or (
            name in {"width", "height"} and bool(_NUMBER.match(value))
        )
    if tag in {"h2", "h3", "h4", "h5", "h6"}:
        return name == "id" and bool(_HEADING_ID.match(value))
    if tag == "abbr":
        return False
    if tag == "span":
        return name == "class" and bool(_TOKEN_CLASSES.match(value))
    if tag == "code":
        return name == "class" and bool(_LANGUAGE_CLASS.match(value))
    if tag == "div":
        return name == "class" and value == "highlight"
    if tag in {"th", "td"}:
        return name == "class" and bool(_ALIGN_CLASS.match(value))
    if tag == "ol":
        return name == "start" and bool(_NUMBER.match(value))
    if tag == "details":
        return name == "open" and value in {"", "open"}
    if tag == "pre":  # a code block that scrolls takes keyboard focus (apps.core.markdown)
        return name == "tabindex" and value == "0"
    return False


def _stays_on_site(href: str) -> bool:
    """Whether a browser resolves ``href`` on this site (a path, a fragment, mailto)."""
    value = "".join(ch for ch in href if ch > " ").replace("\\", "/").lower()
    if value.startswith(("#", "mailto:")):
        return True
    return value.startswith("/") and not value.startswith("//")


class _ExternalLinkFilter(Filter):
    """Links leaving the site open nothing and pass no referrer or ranking."""

    def __iter__(self) -> Iterator[dict]:
        for token in super().__iter__():
            if token["type"] == "StartTag" and token["name"] == "a":
                attrs = token["data"]
                if not _stays_on_site(attrs.get((None, "href"), "")):
                    attrs[(None, "rel")] = "nofollow noopener noreferrer"
            yield token


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=_allow_attribute,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[_ExternalLinkFilter],
)


def sanitize_html(html: str) -> str:
    """Return ``html`` with everything outside the allow-list removed or escaped."""
    return _cleaner.clean(html)
