"""Search pages through every match with the total shown; snippets are cut between words
and carry no diagram characters."""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection

from apps.core.markdown import plain_text
from apps.courses import selectors
from apps.courses.models import Lesson

DIAGRAM = re.compile(r"[\u2500-\u259f\u25a0-\u25ff]")


def published_matching(word: str) -> int:
    return sum(
        1
        for lesson in Lesson.objects.filter(status="published", module__status="published")
        if word in (lesson.title + lesson.summary + lesson.body_md).lower()
    )


def text_of(snippet: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", snippet)).removeprefix("… ").removesuffix(" …")


@pytest.mark.django_db
def test_search_pages_through_every_match_with_the_total(client, imported_course):
    total = selectors.lesson_search_page(query="celery", limit=1).total
    assert total > 20  # more than one page in the real course
    if connection.vendor != "postgresql":  # full-text search matches words, not substrings
        assert total == published_matching("celery")

    first = client.get("/search/", {"q": "celery"}).content.decode()
    assert f"Results 1–20 of {total} for “celery”" in first
    assert first.count('class="result-title"') == 20
    assert 'href="?q=celery&amp;page=2" rel="next"' in first
    assert 'rel="prev"' not in first

    second = client.get("/search/", {"q": "celery", "page": "2"}).content.decode()
    assert f"Results 21–{total} of {total}" in second
    assert second.count('class="result-title"') == total - 20
    assert 'href="?q=celery" rel="prev"' in second
    assert '<ol class="search-results" start="21">' in second

    titles = set(re.findall(r'class="result-title"><a href="([^"]+)"', first + second))
    assert len(titles) == total  # no lesson twice, none missing

    # Past the last page: the last page; nonsense: the first.
    assert client.get("/search/", {"q": "celery", "page": "99"})["Location"].endswith(
        "?q=celery&page=2"
    )
    assert client.get("/search/", {"q": "celery", "page": "x"}).status_code == 200


@pytest.mark.django_db
def test_snippets_are_cut_between_words_without_diagram_characters(imported_course):
    # "jsonb" and "redis" hit the lesson whose decision tree is drawn with box characters.
    for query in ("jsonb", "redis", "celery", "postgresql"):
        page = selectors.lesson_search_page(query=query, limit=100)
        assert page.hits, query
        for hit in page.hits:
            assert not DIAGRAM.search(hit.snippet), (query, hit.snippet)
            assert "....." not in hit.snippet
            words = set(plain_text(hit.lesson.body_md).split())
            excerpt = text_of(hit.snippet).split()
            assert excerpt[0] in words, (query, excerpt[0], hit.snippet)
            assert excerpt[-1] in words, (query, excerpt[-1], hit.snippet)
