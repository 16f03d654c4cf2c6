"""Markdown → safe HTML, once, when content changes.

CommonMark with tables and strikethrough; Pygments highlighting for fenced code;
heading ids (``sec-…``) and a table of contents; table alignment as classes (no
inline ``style``); then the allow-list sanitiser. The result is stored on the
record, never recomputed per request.
"""

from __future__ import annotations

import functools
import hashlib
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
class RunnableBlock:
    """A fenced code block marked runnable (```` ```python run ````): its number among the
    lesson's runnable blocks (its identity), its source and where it starts."""

    index: int
    language: str
    code: str
    line: int  # 1-based line of the opening fence in the Markdown

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.code.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    @property
    def first_line(self) -> str:
        return next((ln.strip() for ln in self.code.splitlines() if ln.strip()), "")[:120]

    def as_dict(self) -> dict[str, object]:
        return {"index": self.index, "language": self.language, "code": self.code,
                "line": self.line, "hash": self.hash}  # fmt: skip


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: list[dict[str, object]] = field(default_factory=list)
    word_count: int = 0
    reading_minutes: int = 0
    runnable: tuple[RunnableBlock, ...] = ()
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


# --------------------------------------------------------------------------- runnable blocks
# A fence whose info string carries the attribute ``run`` (```` ```python run ````) is a
# runnable example. Before rendering, a paragraph holding a per-render random marker is put
# in front of each; it survives sanitising as plain text nobody can write in advance, and is
# then replaced by the block's wrapper (``div.run-block`` with its number and source hash,
# and an empty ``div.run-block-bar`` that the lesson page fills with the controls).

RUNNABLE_LANGUAGES = frozenset({"python"})


def _is_runnable(token: Token) -> bool:
    words = (token.info or "").split()
    return token.type == "fence" and len(words) > 1 and "run" in words[1:]


def _runnable(tokens: list[Token]) -> list[tuple[int, RunnableBlock]]:
    found: list[tuple[int, RunnableBlock]] = []
    for position, token in enumerate(tokens):
        if _is_runnable(token):
            language = token.info.split()[0].lower()
            line = (token.map[0] + 1) if token.map else 0
            found.append((position, RunnableBlock(len(found), language, token.content, line)))
    return found


def runnable_blocks(source: str) -> list[RunnableBlock]:
    """The runnable blocks of a lesson's Markdown, in order (parsed, not rendered)."""
    return [block for _, block in _runnable(_md.parse(source or ""))]


def _mark_runnable(tokens: list[Token]) -> tuple[str, list[RunnableBlock]]:
    marker = "runblock-" + secrets.token_hex(8)
    found = _runnable(tokens)
    for position, block in reversed(found):
        sentinel = Token("html_block", "", 0)
        sentinel.content = f"<p>{marker}-{block.index}</p>\n"
        tokens.insert(position, sentinel)
    return marker, [block for _, block in found]


def _wrap_runnable(html_text: str, marker: str, blocks: list[RunnableBlock]) -> str:
    by_index = {block.index: block for block in blocks}

    def wrap(match: re.Match[str]) -> str:
        block = by_index[int(match.group(1))]
        return (
            f'<div class="run-block" id="run-block-{block.index}" data-block="{block.index}" '
            f'data-hash="{block.hash}">{match.group(2)}'
            f'<div class="run-block-bar" data-block="{block.index}"></div></div>'
        )

    pattern = re.compile(rf"<p>{marker}-(\d+)</p>\s*(<pre>.*?</pre>)", re.DOTALL)
    return pattern.sub(wrap, html_text)


@functools.lru_cache(maxsize=1024)
def _render(
    source: str,
) -> tuple[
    str,
    tuple[tuple[tuple[str, object], ...], ...],
    int,
    tuple[RunnableBlock, ...],
    tuple[CheckBlock, ...],
]:
    """The pure part of :func:`render_markdown`, remembered per source text: an import that
    finds a changed file re-renders only what changed in it, and a process that imports the
    same content again (a test suite, a re-run) skips the sanitiser, the slow part. The
    course's whole output is a few megabytes at most. (The runnable-block marker is drawn
    once per source and never leaves this function.)"""
    tokens = _md.parse(source)
    check_marker = f"lesson-check-{secrets.token_hex(8)}-"
    checks = _take_checks(tokens, check_marker)
    toc = _annotate(tokens)
    words = _word_count(tokens)
    marker, blocks = _mark_runnable(tokens)
    raw = _md.renderer.render(tokens, _md.options, {})
    html_text = _focusable_code(_wrap_runnable(sanitize_html(raw), marker, blocks))
    html_text = _place_checks(html_text, check_marker)
    frozen_toc = tuple(tuple(entry.items()) for entry in toc)
    return html_text, frozen_toc, words, tuple(blocks), tuple(checks)


def render_markdown(source: str) -> Rendered:
    html_text, frozen_toc, words, blocks, checks = _render(source or "")
    return Rendered(
        html=html_text,
        toc=[dict(entry) for entry in frozen_toc],
        word_count=words,
        reading_minutes=max(1, math.ceil(words / WORDS_PER_MINUTE)) if words else 0,
        runnable=tuple(blocks),
        checks=list(checks),
    )


@functools.lru_cache(maxsize=4096)
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
