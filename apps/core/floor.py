"""The benchmark's floor: two API reads built with no framework layer.

``bench/api_bench.py`` compares the REST and GraphQL endpoints with these plain Django
views, which build the same JSON (``.values()`` rows into dicts, one ``JsonResponse``)
with the same number of SQL queries: what is left is the cost of Django, the database
and the server, so the distance to them is what DRF or graphene add.

Mounted under ``/bench/floor/`` only when ``BENCH_FLOOR_VIEWS`` is on (config/urls.py);
never in a deployment. They apply the same visibility rules as the selectors (published
content only; questions of timed or drawn quizzes stay hidden; no answer keys), and
``tests/core/test_floor.py`` proves their answers equal the REST endpoints'.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any, cast

from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET

from apps.checks.selectors import open_checks
from apps.courses.models import (
    Course,
    Lesson,
    LessonProgress,
    Module,
    Status,
    lesson_url_prefix,
)
from apps.quizzes.models import Choice, Question, QuestionType, Quiz

# What DRF's JSONRenderer writes (compact, UTF-8), so both send the same bytes.
_JSON = {"separators": (",", ":"), "ensure_ascii": False}


def _json(data: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params=_JSON)


def _error(status: int, code: str, message: str) -> JsonResponse:
    return _json({"error": {"code": code, "message": message, "details": {}}}, status)


@require_GET
def course_outline(request: HttpRequest, slug: str) -> JsonResponse:
    """GET /api/v1/courses/<slug>/ without DRF: 3 queries (4 when signed in)."""
    course = (
        Course.objects.filter(slug=slug, status=Status.PUBLISHED)
        .values("slug", "title", "summary", "description_html", "id")
        .first()
    )
    if course is None:
        return _error(404, "not_found", "No such course.")
    modules: list[Any] = list(
        Module.objects.filter(course_id=course["id"], status=Status.PUBLISHED)
        .order_by("order", "id")
        .values("id", "slug", "title", "summary")
    )
    lessons: dict[int, list[Any]] = defaultdict(list)
    for row in (
        Lesson.objects.filter(module_id__in=[m["id"] for m in modules], status=Status.PUBLISHED)
        .order_by("order", "id")
        .values("id", "module_id", "slug", "title", "summary", "reading_minutes")
    ):
        lessons[row["module_id"]].append(row)
    signed_in = request.user.is_authenticated
    done: set[int] = set()
    if signed_in:
        done = set(
            LessonProgress.objects.filter(
                user_id=cast(int, request.user.pk),
                lesson_id__in=[row["id"] for rows in lessons.values() for row in rows],
            )
            # Complete = marked and every check answered correctly (as the REST outline).
            .exclude(open_checks(request.user))
            .values_list("lesson_id", flat=True)
        )
    out_modules: list[dict[str, Any]] = []
    for module in modules:
        rows = lessons[module["id"]]
        # The same one reverse() per module as the selectors (a project helper, no framework).
        prefix = lesson_url_prefix(course["slug"], module["slug"])
        out_modules.append(
            {
                "slug": module["slug"],
                "title": module["title"],
                "summary": module["summary"],
                "lessons": [
                    {
                        "slug": row["slug"],
                        "title": row["title"],
                        "summary": row["summary"],
                        "reading_minutes": row["reading_minutes"],
                        "url": f"{prefix}{row['slug']}/",
                    }
                    for row in rows
                ],
                "completed": sum(1 for row in rows if row["id"] in done),
                "total": len(rows),
            }
        )
    completed = sum(m["completed"] for m in out_modules)
    total = sum(m["total"] for m in out_modules)
    return _json(
        {
            "slug": course["slug"],
            "title": course["title"],
            "summary": course["summary"],
            "description_html": course["description_html"],
            "modules": out_modules,
            "progress": {"completed": completed, "total": total} if signed_in else None,
        }
    )


@require_GET
def quiz_questions(request: HttpRequest, slug: str) -> JsonResponse:
    """GET /api/v1/quizzes/<slug>/questions/ without DRF: 3 queries, no answer keys."""
    quiz = (
        Quiz.objects.filter(slug=slug, status="published", course__status="published")
        .filter(Q(module__isnull=True) | Q(module__status="published"))
        .values("id", "slug", "time_limit_minutes", "draw_count", "shuffle_choices")
        .first()
    )
    if quiz is None:
        return _error(404, "not_found", "No such quiz.")
    if quiz["time_limit_minutes"] or quiz["draw_count"]:
        return _error(
            403,
            "questions_hidden",
            "This quiz is timed or drawn at random: its questions are shown inside an attempt.",
        )
    questions: list[Any] = list(
        Question.objects.filter(quiz_id=quiz["id"], retired=False)
        .order_by("order", "id")
        .values("id", "type", "prompt_html", "points")
    )
    choices: dict[int, list[Any]] = defaultdict(list)
    for row in (
        Choice.objects.filter(question_id__in=[q["id"] for q in questions])
        .order_by("order", "id")
        .values("id", "question_id", "text_html", "order")
    ):
        choices[row["question_id"]].append(row)
    return _json(
        {
            "quiz": quiz["slug"],
            "results": [
                {
                    "id": question["id"],
                    "number": number,
                    "type": question["type"],
                    "prompt_html": question["prompt_html"],
                    "points": float(question["points"]),
                    "choices": [
                        {"id": c["id"], "text_html": c["text_html"]}
                        for c in _display_order(
                            question, choices[question["id"]], quiz["shuffle_choices"]
                        )
                    ],
                }
                for number, question in enumerate(questions, start=1)
            ],
        }
    )


def _display_order(
    question: dict[str, Any], choices: list[dict[str, Any]], shuffle: bool
) -> list[dict[str, Any]]:
    """``apps.quizzes.selectors._display_order`` on rows: never the key's order."""
    ordering = question["type"] == QuestionType.ORDERING
    if not ordering and not shuffle:
        return choices
    shown = sorted(
        choices, key=lambda c: hashlib.sha256(f"{question['id']}:{c['id']}".encode()).digest()
    )
    if ordering and len(shown) > 1:
        correct = sorted(choices, key=lambda c: (c["order"], c["id"]))
        if shown == correct:
            shown = shown[1:] + shown[:1]
    return shown


app_name = "bench_floor"

urlpatterns = [
    path("outline/<slug:slug>/", course_outline, name="outline"),
    path("quiz/<slug:slug>/questions/", quiz_questions, name="quiz-questions"),
]
