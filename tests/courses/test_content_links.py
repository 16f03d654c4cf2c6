"""Every site-internal link in the course content leads to a page that exists."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve

CONTENT = Path(__file__).resolve().parents[2] / "apps" / "courses" / "content"
# Markdown links and front-matter ``url:`` entries that point at a path on this site.
_LINK = re.compile(r"\]\((/[^)\s#?]*)|^\s*url:\s*(/\S*)", re.MULTILINE)


def _internal_links() -> list[tuple[str, str]]:
    links = []
    for path in sorted(CONTENT.rglob("*.md")):
        for match in _LINK.finditer(path.read_text(encoding="utf-8")):
            links.append((path.relative_to(CONTENT).as_posix(), match.group(1) or match.group(2)))
    return links


def test_content_has_internal_links():
    assert any(url == "/api/redoc/" for _, url in _internal_links())


@pytest.mark.parametrize(("source", "url"), _internal_links())
def test_internal_link_resolves(source, url):
    if url.startswith("/static/"):
        pytest.skip("static file")
    try:
        resolve(url)
    except Resolver404:
        pytest.fail(f"{source} links to {url}, which is not a page of the site")


def test_every_table_header_cell_has_text():
    """axe's empty-table-header: a Markdown table's header row names every column, the
    first (row labels) included."""
    empty = []
    for path in sorted(CONTENT.rglob("*.md")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, (line, below) in enumerate(itertools.pairwise(lines), start=1):
            if line.startswith("|") and re.match(r"^\|\s*:?-{3,}", below):
                cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
                if any(not cell for cell in cells):
                    empty.append(f"{path.relative_to(CONTENT).as_posix()}:{number}")
    assert empty == []
