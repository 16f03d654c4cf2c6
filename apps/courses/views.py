"""Course pages: catalog, outline, lesson, progress, dashboard, search."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from apps.core.cache import cache_for_anonymous
from apps.core.charts import bar_chart
from apps.core.errors import NotFound
from apps.core.urlcheck import path_exists
from apps.courses import selectors, services
from apps.courses.models import Lesson
from apps.matrix import selectors as matrix_selectors
from apps.quizzes import selectors as quiz_selectors


@require_safe
@cache_for_anonymous
def catalog(request: HttpRequest) -> HttpResponse:
    courses = list(selectors.course_list_published())
    return render(request, "courses/catalog.html", {"courses": courses})


@require_safe
@cache_for_anonymous
def course_detail(request: HttpRequest, course: str) -> HttpResponse:
    try:
        course_obj = selectors.course_get_published(slug=course)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    outline = _with_quiz_scores(
        selectors.course_outline(course=course_obj, user=request.user), request.user
    )
    final = quiz_selectors.final_exam_for_course(course_id=course_obj.pk)
    return render(
        request, "courses/course.html", {"course": course_obj, "outline": outline, "final": final}
    )


def _published_lesson_or_404(course: str, module: str, lesson: str) -> Lesson:
    try:
        return selectors.lesson_get_published(
            course_slug=course, module_slug=module, lesson_slug=lesson
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc


@require_safe
@cache_for_anonymous
def lesson_detail(request: HttpRequest, course: str, module: str, lesson: str) -> HttpResponse:
    lesson_obj = _published_lesson_or_404(course, module, lesson)
    outline = selectors.course_outline(course=lesson_obj.module.course, user=request.user)
    return render(request, "courses/lesson.html", _lesson_context(lesson_obj, outline))


def _with_quiz_scores(outline, user):
    """Attach the user's best/last quiz percentages to each module (one query)."""
    quizzes = {entry.module.pk: entry.quiz for entry in outline.modules if entry.quiz}
    scores = quiz_selectors.best_scores(user=user, quiz_ids=[q.pk for q in quizzes.values()])
    for entry in outline.modules:
        quiz = quizzes.get(entry.module.pk)
        entry.score = scores.get(quiz.pk) if quiz else None
    return outline


def _matrix_links(slugs: list[str]) -> list[dict[str, str]]:
    """The lesson's related comparisons, titled, in the author's order (published ones)."""
    titles = matrix_selectors.category_titles(slugs=slugs)
    return [
        {"slug": slug, "title": titles[slug], "url": reverse("matrix:category", args=[slug])}
        for slug in slugs
        if slug in titles
    ]


def _lesson_context(lesson, outline) -> dict:
    ordered = outline.lessons
    ids = [item.id for item in ordered]
    index = ids.index(lesson.id) if lesson.id in ids else -1
    return {
        "lesson": lesson,
        "module": lesson.module,
        "course": lesson.module.course,
        "outline": outline,
        "previous": ordered[index - 1] if index > 0 else None,
        "next": ordered[index + 1] if 0 <= index < len(ordered) - 1 else None,
        "completed": lesson.id in outline.completed_ids,
        "platform_links": [link for link in lesson.platform_links if path_exists(link["url"])],
        "matrix_links": _matrix_links(lesson.related_matrix),
        "position": index + 1,
        "quiz": next((e.quiz for e in outline.modules if e.module.pk == lesson.module_id), None),
    }


@login_required
@require_POST
def lesson_progress(request: HttpRequest, course: str, module: str, lesson: str) -> HttpResponse:
    lesson_obj = _published_lesson_or_404(course, module, lesson)
    completed = request.POST.get("completed") == "1"
    services.lesson_progress_set(user=request.user, lesson=lesson_obj, completed=completed)
    messages.success(request, "Marked as complete." if completed else "Marked as not complete.")
    return redirect(lesson_obj.get_absolute_url() + "#progress")


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    outlines = [
        _with_quiz_scores(o, request.user) for o in selectors.progress_summary(user=request.user)
    ]
    charts = [
        (
            outline,
            bar_chart(
                [
                    (f"{i}. {e.module.title}", e.completed, e.total)
                    for i, e in enumerate(outline.modules, 1)
                ]
            ),
        )
        for outline in outlines
    ]
    return render(request, "courses/dashboard.html", {"charts": charts})


@require_safe
@cache_for_anonymous
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    hits = selectors.lesson_search(query=query) if query else []
    return render(request, "courses/search.html", {"query": query, "hits": hits})
