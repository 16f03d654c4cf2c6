"""The benchmark's floor views (apps/core/floor.py): off by default; when on, the same
JSON as the REST endpoints with the same number of SQL queries."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches
from django.utils import timezone

import config.urls
from apps.courses.models import Lesson, LessonProgress
from apps.quizzes.models import Quiz
from tests.checks.conftest import solve_checks
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

COURSE = "python-backend-engineering"


def _reload_urls() -> None:
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def content(db) -> None:
    call_command("import_content", verbosity=0)


@pytest.fixture
def floor_on(settings) -> Iterator[None]:
    settings.BENCH_FLOOR_VIEWS = True
    _reload_urls()
    yield
    settings.BENCH_FLOOR_VIEWS = False
    _reload_urls()


def _get(client: Client, url: str) -> tuple[int, object, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response.status_code, response.json(), len(queries.captured_queries)


def _visible_module_quizzes() -> list[str]:
    return list(
        Quiz.objects.filter(kind="module", status="published", time_limit_minutes=0, draw_count=0)
        .order_by("slug")
        .values_list("slug", flat=True)
    )


def test_off_by_default(content):
    client = Client()
    assert client.get(f"/bench/floor/outline/{COURSE}/").status_code == 404
    slug = _visible_module_quizzes()[0]
    assert client.get(f"/bench/floor/quiz/{slug}/questions/").status_code == 404


def test_outline_equals_rest_with_the_same_query_count(content, floor_on):
    client = Client()
    rest = _get(client, f"/api/v1/courses/{COURSE}/")
    floor = _get(client, f"/bench/floor/outline/{COURSE}/")
    assert rest[0] == floor[0] == 200
    assert floor[1] == rest[1]
    assert floor[2] == rest[2] == 3


def test_outline_with_progress_equals_rest(content, floor_on):
    user = UserFactory()
    lesson = Lesson.objects.filter(module__slug="concurrency").first()
    assert lesson is not None
    LessonProgress.objects.create(user=user, lesson=lesson, completed_at=timezone.now())
    other = Lesson.objects.filter(module__slug="concurrency").exclude(pk=lesson.pk).first()
    assert other is not None  # marked complete, its checks still open: not complete
    LessonProgress.objects.create(user=user, lesson=other, completed_at=timezone.now())
    solve_checks(user, lesson)
    client = Client()
    client.force_login(user)
    rest = _get(client, f"/api/v1/courses/{COURSE}/")
    floor = _get(client, f"/bench/floor/outline/{COURSE}/")
    assert floor[1] == rest[1]
    assert rest[1]["progress"] == {"completed": 1, "total": 43}  # type: ignore[index]
    assert floor[2] == rest[2]


def test_quiz_questions_equal_rest_with_the_same_query_count(content, floor_on):
    client = Client()
    slugs = _visible_module_quizzes()
    assert len(slugs) >= 10
    types: set[str] = set()
    for slug in slugs:
        rest = _get(client, f"/api/v1/quizzes/{slug}/questions/")
        floor = _get(client, f"/bench/floor/quiz/{slug}/questions/")
        assert rest[0] == floor[0] == 200, slug
        assert floor[1] == rest[1], slug
        assert floor[2] == rest[2] == 3, slug
        types |= {q["type"] for q in rest[1]["results"]}  # type: ignore[index]
    assert {"ordering", "single_choice", "multiple_choice"} <= types  # every display-order branch


def test_hidden_and_unknown_match_rest(content, floor_on):
    client = Client()
    final = Quiz.objects.filter(kind="final").values_list("slug", flat=True).first()
    assert final is not None
    rest = _get(client, f"/api/v1/quizzes/{final}/questions/")
    floor = _get(client, f"/bench/floor/quiz/{final}/questions/")
    assert rest[0] == floor[0] == 403 and floor[1] == rest[1]
    for rest_url, floor_url in (
        ("/api/v1/quizzes/nope/questions/", "/bench/floor/quiz/nope/questions/"),
        ("/api/v1/courses/nope/", "/bench/floor/outline/nope/"),
    ):
        rest = _get(client, rest_url)
        floor = _get(client, floor_url)
        assert rest[0] == floor[0] == 404 and floor[1] == rest[1]
