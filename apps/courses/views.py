"""Course pages: catalog, outline, lesson, progress, dashboard, search."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from apps.core.cache import cache_for_anonymous
from apps.core.charts import column_chart
from apps.core.errors import Conflict, NotFound
from apps.core.urlcheck import path_exists
from apps.courses import art, selectors, services
from apps.courses.models import Lesson
from apps.exercises import selectors as exercise_selectors
from apps.matrix import selectors as matrix_selectors
from apps.quizzes import selectors as quiz_selectors


@require_safe
@cache_for_anonymous
def catalog(request: HttpRequest) -> HttpResponse:
    courses = selectors.course_list_with_modules()
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
    exercises = exercise_selectors.exercises_per_module(
        user=request.user, module_ids=[entry.module.pk for entry in outline.modules]
    )
    next_lesson = None
    for entry in outline.modules:
        entry.exercises = exercises.get(entry.module.pk)
        if next_lesson is None:
            next_lesson = next(
                (x for x in entry.lessons if x.id not in outline.completed_ids), None
            )
            entry.is_current = next_lesson is not None
    final = quiz_selectors.final_exam_for_course(course_id=course_obj.pk)
    return render(
        request,
        "courses/course.html",
        {
            "course": course_obj,
            "outline": outline,
            "final": final,
            "next_lesson": next_lesson,
            "quiz_count": sum(1 for entry in outline.modules if entry.quiz),
        },
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
    context = _lesson_context(lesson_obj, outline, request.user, path=request.path)
    response = render(request, "courses/lesson.html", context)
    if lesson_obj.run_blocks and request.user.is_authenticated:
        from apps.exercises.views import with_style_nonce  # the examples' editor

        response = with_style_nonce(response)
    return response


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


def _lesson_context(lesson, outline, user=None, path: str = "") -> dict:
    from apps.checks import selectors as check_selectors  # checks read courses, not back
    from apps.exercises.templatetags.exercise_tags import lesson_body_html

    # The runnable examples' controls go in first (one query), then the text is cut at
    # the check slots.
    body_html = lesson_body_html(lesson, user, path) if path else lesson.body_html

    checks = check_selectors.lesson_checks(lesson_id=lesson.id, user=user) if user else []
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
        "checks": checks,
        "checks_left": sum(1 for check in checks if not check.correct),
        "body_parts": check_selectors.body_parts(body_html, checks),
    }


@login_required
@require_POST
def lesson_progress(request: HttpRequest, course: str, module: str, lesson: str) -> HttpResponse:
    lesson_obj = _published_lesson_or_404(course, module, lesson)
    completed = request.POST.get("completed") == "1"
    try:
        services.lesson_progress_set(user=request.user, lesson=lesson_obj, completed=completed)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect(lesson_obj.get_absolute_url() + "#progress")
    messages.success(request, "Marked as complete." if completed else "Marked as not complete.")
    return redirect(lesson_obj.get_absolute_url() + "#progress")


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    outlines = [
        _with_quiz_scores(o, request.user) for o in selectors.progress_summary(user=request.user)
    ]
    activity = selectors.activity_overview(user=request.user)
    chart = column_chart(
        [
            (
                week.start.strftime("%-d %b") if index % 3 == 0 else "",
                f"Week of {week.start:%-d %B}: {week.lessons} lessons, "
                f"{week.quizzes} quizzes, {week.runs} code submissions",
                week.total,
            )
            for index, week in enumerate(activity.weeks)
        ]
    )
    return render(
        request,
        "courses/dashboard.html",
        {
            "outlines": outlines,
            "continue_items": selectors.continue_items(user=request.user, outlines=outlines),
            "activity": activity,
            "activity_chart": chart,
        },
    )


COVER_MAX_AGE = 365 * 24 * 3600


@require_safe
def cover(request: HttpRequest, version: int, seed: str) -> HttpResponse:
    """A generated cover: a function of its URL alone, so cached for a year (the URL
    carries the drawing's version). No query, no session."""
    if version != art.ART_VERSION:
        raise Http404("No such cover.")
    response = HttpResponse(art.cover_svg(seed), content_type="image/svg+xml")
    response["Cache-Control"] = f"public, max-age={COVER_MAX_AGE}, immutable"
    return response


@require_safe
@cache_for_anonymous
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    per_page = SEARCH_PAGE_SIZE
    results = selectors.lesson_search_page(
        query=query, limit=per_page, offset=(page - 1) * per_page
    )
    pages = max(1, -(-results.total // per_page))
    if query and page > pages:
        return redirect(request.path + _search_url(query, pages))
    return render(
        request,
        "courses/search.html",
        {
            "query": query,
            "results": results,
            "hits": results.hits,
            "page": page,
            "pages": pages,
            "previous_url": _search_url(query, page - 1) if page > 1 else "",
            "next_url": _search_url(query, page + 1) if page < pages else "",
        },
    )


SEARCH_PAGE_SIZE = 20


def _search_url(query: str, page: int) -> str:
    params = {"q": query} if page == 1 else {"q": query, "page": str(page)}
    return f"?{urlencode(params)}"
