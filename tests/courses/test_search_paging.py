"""Search pages through every match with the total shown; snippets are cut between words
and carry no diagram characters."""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection

from apps.core.markdown import plain_text
from apps.courses import selectors, views
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
def test_search_no_longer_stops_at_twenty(imported_course):
    from tests.factories import LessonFactory

    # More matches than one page, whatever the shipped course says about Celery.
    for n in range(max(23 - published_matching("celery"), 0)):
        LessonFactory(title=f"Celery notes {n}", body_md="Celery workers and their queues.")
    total = selectors.lesson_search_page(query="celery", limit=1).total
    if connection.vendor != "postgresql":  # full-text search matches words, not substrings
        assert total == published_matching("celery") > 20
    found = selectors.lesson_search_page(query="celery", limit=20, offset=20)
    assert len(found.hits) == total - 20
    assert (found.first, found.last) == ((21, total) if total > 20 else (0, 20))


@pytest.mark.django_db
def test_search_pages_through_every_match_with_the_total(client, imported_course, monkeypatch):
    monkeypatch.setattr(views, "SEARCH_PAGE_SIZE", 8)
    total = selectors.lesson_search_page(query="celery", limit=1).total
    assert 16 < total <= 24  # three pages of eight

    first = client.get("/search/", {"q": "celery"}).content.decode()
    assert f"Results 1–8 of {total} for “celery”" in first
    assert first.count('class="result-title"') == 8
    assert 'href="?q=celery&amp;page=2" rel="next"' in first
    assert 'rel="prev"' not in first
    assert "Page 1 of 3" in first

    last = client.get("/search/", {"q": "celery", "page": "3"}).content.decode()
    assert f"Results 17–{total} of {total}" in last
    assert last.count('class="result-title"') == total - 16
    assert 'href="?q=celery&amp;page=2" rel="prev"' in last
    assert 'rel="next"' not in last
    assert '<ol class="search-results" start="17">' in last

    pages = [client.get("/search/", {"q": "celery", "page": n}).content.decode() for n in (1, 2, 3)]
    links = re.findall(r'class="result-title"><a href="([^"]+)"', "".join(pages))
    assert len(links) == len(set(links)) == total  # no lesson twice, none missing

    # Past the last page: the last page; nonsense: the first.
    assert client.get("/search/", {"q": "celery", "page": "99"})["Location"].endswith(
        "?q=celery&page=3"
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
