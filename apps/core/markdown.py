"""Markdown → safe HTML, once, when content changes.

CommonMark with tables and strikethrough; Pygments highlighting for fenced code;
heading ids (``sec-…``) and a table of contents; table alignment as classes (no
inline ``style``); then the allow-list sanitiser. The result is stored on the
record, never recomputed per request.
"""

from __future__ import annotations

import html
import math
import re
import secrets
from dataclasses import dataclass, field

from django.utils.text import slugify
from markdown_it import MarkdownIt
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from apps.core.sanitize import sanitize_html

WORDS_PER_MINUTE = 220
_formatter = HtmlFormatter(nowrap=True)
_LANGUAGE = re.compile(r"^[A-Za-z0-9+#-]{1,20}$")


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: list[dict[str, object]] = field(default_factory=list)
    word_count: int = 0
    reading_minutes: int = 0
    checks: list[CheckBlock] = field(default_factory=list)


# --------------------------------------------------------------------------- check blocks
# A fence whose info string is ``check`` holds one question (YAML, the quiz format):
# it never reaches the page as code. Its place becomes ``<div class="lesson-check"
# data-check="N"></div>`` (N: its position among the lesson's checks), put in after
# sanitising, through a marker author text cannot forge; the lesson page renders the
# question there (apps.checks).


@dataclass(frozen=True)
class CheckBlock:
    source: str  # the YAML body
    line: int  # 1-based line of the opening fence


CHECK_SLOT = re.compile(r'<div class="lesson-check" data-check="(\d+)"></div>')


def _is_check(token: Token) -> bool:
    return token.type == "fence" and token.info.strip() == "check"


def _take_checks(tokens: list[Token], marker: str) -> list[CheckBlock]:
    checks: list[CheckBlock] = []
    for token in tokens:
        if _is_check(token):
            line = token.map[0] + 1 if token.map else 0
            checks.append(CheckBlock(source=token.content, line=line))
            token.type, token.tag, token.info = "html_block", "", ""
            token.content = f"<p>{marker}{len(checks) - 1}</p>\n"
    return checks


def check_blocks(source: str) -> list[CheckBlock]:
    """The check blocks of a Markdown text, in order (without rendering it)."""
    return [
        CheckBlock(source=t.content, line=t.map[0] + 1 if t.map else 0)
        for t in _md.parse(source or "")
        if _is_check(t)
    ]


def _place_checks(html: str, marker: str) -> str:
    return re.sub(
        rf"<p>{marker}(\d+)</p>", r'<div class="lesson-check" data-check="\1"></div>', html
    )


def _highlight(code: str, lang: str, attrs: str) -> str:
    language = (lang or "").strip().lower()
    if not language or not _LANGUAGE.match(language):
        return ""  # markdown-it escapes it as plain code
    try:
        lexer = get_lexer_by_name(language)
    except ClassNotFound:
        return ""
    return highlight(code, lexer, _formatter)


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.options["highlight"] = _highlight
    return md


_md = _parser()


def _annotate(tokens: list[Token]) -> list[dict[str, object]]:
    """Give headings stable ids, turn table alignment styles into classes, build the TOC."""
    toc: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for index, token in enumerate(tokens):
        if token.type in {"th_open", "td_open"}:
            style = str(token.attrs.pop("style", "") or "")
            match = re.search(r"text-align:(left|center|right)", style)
            if match:
                token.attrSet("class", f"align-{match.group(1)}")
        if token.type != "heading_open":
            continue
        level = int(token.tag[1])
        if level == 1:  # the page title is the only h1: demote
            token.tag = "h2"
            tokens[index + 2].tag = "h2"
            level = 2
        inline = tokens[index + 1]
        text = "".join(
            child.content
            for child in inline.children or []
            if child.type in {"text", "code_inline"}
        )
        base = "sec-" + (slugify(text)[:70] or "section")
        count = seen.get(base, 0)
        seen[base] = count + 1
        anchor = base if count == 0 else f"{base}-{count + 1}"
        token.attrSet("id", anchor)
        if level in {2, 3}:
            toc.append({"level": level, "id": anchor, "title": text})
    return toc


def _word_count(tokens: list[Token]) -> int:
    words = 0
    for token in tokens:
        if token.type == "inline":
            words += len(token.content.split())
        elif token.type in {"fence", "code_block"}:
            words += len(token.content.split()) // 2  # code reads faster than prose, but is read
    return words


def _focusable_code(html: str) -> str:
    """Code blocks take keyboard focus (``tabindex="0"``), so a block wider than the
    page can be scrolled without a mouse (axe: scrollable-region-focusable). Added after
    sanitising, which leaves ``<pre>`` with no attributes."""
    return html.replace("<pre>", '<pre tabindex="0">')


def render_markdown(source: str) -> Rendered:
    tokens = _md.parse(source or "")
    marker = f"lesson-check-{secrets.token_hex(8)}-"
    checks = _take_checks(tokens, marker)
    toc = _annotate(tokens)
    raw = _md.renderer.render(tokens, _md.options, {})
    words = _word_count(tokens)
    return Rendered(
        html=_place_checks(_focusable_code(sanitize_html(raw)), marker),
        toc=toc,
        word_count=words,
        reading_minutes=max(1, math.ceil(words / WORDS_PER_MINUTE)) if words else 0,
        checks=checks,
    )


def render_inline(source: str) -> str:
    """One paragraph of Markdown (a summary, a quiz explanation) without the ``<p>``."""
    rendered = sanitize_html(_md.renderInline(source or ""))
    return rendered


def plain_text(source: str) -> str:
    """Markdown reduced to text (for search documents and snippets)."""
    tokens = [t for t in _md.parse(source or "") if not _is_check(t)]  # no answer keys
    rendered = _md.renderer.render(tokens, _md.options, {})
    text = re.sub(r"<[^>]+>", " ", rendered)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()
