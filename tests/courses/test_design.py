"""The design system's server-drawn pieces (covers, icons, rings), the course landing page,
the catalog and the dashboard: their content and their constant query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.courses import art, selectors, services
from apps.courses.models import LessonProgress
from apps.courses.templatetags.course_ui import progress_ring
from apps.exercises.models import Run
from apps.quizzes import services as quiz_services
from tests.exercises.conftest import SOLUTION, make_exercise
from tests.factories import CourseFactory, LessonFactory, ModuleFactory, UserFactory
from tests.quizzes.conftest import build_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    course = CourseFactory(slug="demo", title="Demo course")
    for m in range(3):
        module = ModuleFactory(course=course, slug=f"mod-{m}", title=f"Module {m}", order=m)
        for n in range(3):
            LessonFactory(module=module, slug=f"lesson-{m}-{n}", title=f"Lesson {m}.{n}", order=n)
    return course


def lesson(course, m, n):
    return course.modules.get(slug=f"mod-{m}").lessons.get(slug=f"lesson-{m}-{n}")


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


# --------------------------------------------------------------------------- covers, icons, rings


def test_a_cover_is_a_function_of_its_seed_cached_for_a_year(client, django_assert_num_queries):
    url = f"/art/v{art.ART_VERSION}/concurrency.svg"
    with django_assert_num_queries(0):
        first = client.get(url)
    assert first.status_code == 200
    assert first["Content-Type"] == "image/svg+xml"
    assert first["Cache-Control"] == "public, max-age=31536000, immutable"
    assert not first.cookies and "Cookie" not in first.get("Vary", "")
    body = first.content.decode()
    assert body.startswith("<svg") and body == client.get(url).content.decode()
    assert body != client.get(f"/art/v{art.ART_VERSION}/web-frameworks.svg").content.decode()
    # CSP: no style attribute, no <style> element, nothing fetched from elsewhere.
    assert "style" not in body.replace("stroke-linecap", "").lower()
    assert "href" not in body and "<script" not in body
    assert client.get(f"/art/v{art.ART_VERSION + 1}/concurrency.svg").status_code == 404


def test_covers_differ_across_the_modules_of_the_course():
    seeds = ["why-python", "web-frameworks", "data-and-orms", "concurrency", "scaling",
             "api-design", "event-driven", "security"]  # fmt: skip
    drawings = {art.cover_svg(seed) for seed in seeds}
    assert len(drawings) == len(seeds)
    palettes = {art.palette(seed).deep for seed in seeds}
    assert len(palettes) >= 6


def test_icons_are_decorative_unless_named():
    hidden = art.icon_svg("quiz")
    assert 'aria-hidden="true"' in hidden and "<title>" not in hidden and 'role="img"' not in hidden
    named = art.icon_svg("exercise", label="Code <exercise>")
    assert 'role="img"' in named and "<title>Code &lt;exercise&gt;</title>" in named
    assert "aria-hidden" not in named
    assert set(art.ICON_PATHS) >= {"reading", "quiz", "exercise", "live"}


def test_the_progress_ring_names_its_value():
    ring = str(progress_ring(2, 3, "Module <1>"))
    assert 'aria-label="Module &lt;1&gt;: 67% (2 of 3)"' in ring
    assert 'stroke-dasharray="67 100"' in ring and ">67%<" in ring
    empty = str(progress_ring(0, 0, "Empty"))
    assert "ring-value" not in empty and ">0%<" in empty
    assert "ring-done" in str(progress_ring(3, 3, "Done"))


# --------------------------------------------------------------------------- catalog, course


def test_the_catalog_shows_each_course_with_its_cover_and_modules(client, course):
    body = client.get("/courses/").content.decode()
    assert f'src="/art/v{art.ART_VERSION}/demo.svg" alt=""' in body
    assert "Module 0 · Module 1 · Module 2" in body
    assert "3 modules · 9 lessons" in body


def test_an_empty_catalog_says_so(client):
    body = client.get("/courses/").content.decode()
    assert 'class="empty-state"' in body and "No course is published yet" in body


def test_the_course_is_a_landing_page_with_module_cards(client, course):
    body = client.get("/courses/demo/").content.decode()
    assert "What you will learn" in body
    assert body.count('class="module-card card"') == 3
    assert body.count('class="module-cover"') == 3
    assert body.count("<details") == 3
    assert '<details class="module-details" open>' in body  # the first module, for a newcomer
    assert "Start reading" in body and "Create an account" in body
    assert 'class="ring' not in body  # no progress without an account


def test_the_course_opens_the_module_of_the_next_lesson_and_shows_progress(client, course):
    user = UserFactory()
    for n in range(3):
        services.lesson_progress_set(user=user, lesson=lesson(course, 0, n), completed=True)
    services.lesson_progress_set(user=user, lesson=lesson(course, 1, 0), completed=True)
    client.force_login(user)
    body = client.get("/courses/demo/").content.decode()
    cards = body.split('class="module-card card"')[1:]
    assert '<details class="module-details">' in cards[0]  # finished: closed
    assert '<details class="module-details" open>' in cards[1]  # holds the next lesson
    assert '<details class="module-details">' in cards[2]
    assert 'aria-label="Module 0: 100% (3 of 3)"' in cards[0]
    assert 'aria-label="Module 1: 33% (1 of 3)"' in cards[1]
    assert "Continue: Lesson 1.1" in body
    assert 'aria-label="Course progress: 44% (4 of 9)"' in body


# --------------------------------------------------------------------------- dashboard


def quiz_in(course):
    """A published module quiz moved into ``course`` (so the number of courses stays put)."""
    quiz = build_quiz()
    leftover = quiz.module.course
    quiz.module.course = course
    quiz.module.order = 99
    quiz.module.save()
    quiz.course = course
    quiz.save()
    leftover.delete()
    return quiz


def submit_run(user, exercise, *, status, n, when=None):
    return Run.objects.create(user=user, exercise=exercise, mode="submit", status=status,
                              key=f"design-{exercise.pk}-{n}", code=SOLUTION,
                              queued_at=when or timezone.now())  # fmt: skip


def test_the_dashboard_says_where_to_continue(client, course):
    user = UserFactory()
    services.lesson_progress_set(user=user, lesson=lesson(course, 0, 0), completed=True)
    quiz_services.attempt_start(user=user, quiz=quiz_in(course))
    started = make_exercise(lesson(course, 0, 1), slug="started", title="Started exercise")
    solved = make_exercise(lesson(course, 0, 2), slug="solved", title="Solved exercise")
    submit_run(user, started, status="failed", n=1)
    submit_run(user, solved, status="passed", n=2)
    client.force_login(user)
    body = client.get("/dashboard/").content.decode()
    box = body.split('id="continue-title"')[1].split("</section>")[0]
    assert "Demo quiz" in box and "not submitted yet" in box
    assert "Started exercise" in box and "Solved exercise" not in box
    assert "Lesson 0.1" in box and "Next lesson · Demo course · Module 0" in box
    assert box.count("<title>") == box.count('class="continue-item') == 3  # each named by kind
    assert '<svg class="bar-chart' not in body  # the old chart that repeated its table


def test_the_streak_counts_consecutive_days_ending_today_or_yesterday(course):
    user = UserFactory()
    today = timezone.localdate()
    for n, days_ago in enumerate((1, 2, 3)):
        services.lesson_progress_set(user=user, lesson=lesson(course, 0, n), completed=True)
        LessonProgress.objects.filter(user=user, lesson=lesson(course, 0, n)).update(
            completed_at=timezone.make_aware(
                dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(12))
            )
        )
    services.lesson_progress_set(user=user, lesson=lesson(course, 1, 0), completed=True)
    LessonProgress.objects.filter(user=user, lesson=lesson(course, 1, 0)).update(
        completed_at=timezone.make_aware(
            dt.datetime.combine(today - dt.timedelta(days=6), dt.time(12))
        )
    )
    activity = selectors.activity_overview(user=user)
    assert activity.streak == 3  # yesterday and the two days before; not the day 6 ago
    assert activity.active_days == 4
    assert sum(week.lessons for week in activity.weeks) == 4
    assert activity.total == 4 and len(activity.weeks) == 12
    assert activity.weeks[-1].start == today - dt.timedelta(days=today.weekday())


def test_the_dashboard_draws_activity_per_week(client, course):
    user = UserFactory()
    services.lesson_progress_set(user=user, lesson=lesson(course, 0, 0), completed=True)
    client.force_login(user)
    body = client.get("/dashboard/").content.decode()
    chart = body.split('class="column-chart"')[1].split("</svg>")[0]
    assert chart.count("<rect") == 12
    assert chart.count('class="chart-bar"') == 1  # this week only
    assert "1 lessons, 0 quizzes, 0 code submissions" in chart
    assert body.count('class="module-tile"') == 3
    assert 'aria-label="Module 0: 33% (1 of 3)"' in body


def test_the_dashboard_runs_a_constant_number_of_queries(client, course):
    user = UserFactory()
    client.force_login(user)
    services.lesson_progress_set(user=user, lesson=lesson(course, 0, 0), completed=True)
    quiz_services.attempt_start(user=user, quiz=quiz_in(course))
    submit_run(user, make_exercise(lesson(course, 1, 0), slug="ex-first"), status="failed", n=0)
    before = count_queries(client, "/dashboard/")
    # More of everything: modules, lessons done, quizzes, exercises started and solved.
    for m in range(3, 6):
        module = ModuleFactory(course=course, slug=f"mod-{m}", order=m)
        for n in range(3):
            LessonFactory(module=module, slug=f"more-{m}-{n}", order=n)
    for n in range(1, 3):
        services.lesson_progress_set(user=user, lesson=lesson(course, 0, n), completed=True)
    quiz_services.attempt_start(user=user, quiz=quiz_in(course))
    for n in range(1, 5):
        exercise = make_exercise(lesson(course, 1, n % 3), slug=f"ex-{n}", title=f"Ex {n}")
        submit_run(user, exercise, status="failed" if n % 2 else "passed", n=n)
    after = count_queries(client, "/dashboard/")
    assert after == before, (before, after)
    assert after <= 20


def test_activity_counts_each_source_in_one_query(course, django_assert_num_queries):
    user = UserFactory()
    services.lesson_progress_set(user=user, lesson=lesson(course, 0, 0), completed=True)
    exercise = make_exercise(lesson(course, 0, 1), slug="counted")
    submit_run(user, exercise, status="failed", n=1)
    submit_run(user, exercise, status="passed", n=2)
    Run.objects.create(
        user=user,
        exercise=exercise,
        mode="run",
        key="design-run-only",
        code=SOLUTION,
        queued_at=timezone.now(),
    )  # fmt: skip (not a submission)
    with django_assert_num_queries(1):
        activity = selectors.activity_overview(user=user)
    this_week = activity.weeks[-1]
    assert (this_week.lessons, this_week.quizzes, this_week.runs) == (1, 0, 2)
    assert activity.streak == 1 and activity.active_days == 1


def test_the_lesson_links_its_quiz_with_the_quiz_icon(client, course):
    quiz = quiz_in(course)
    first = LessonFactory(module=quiz.module, slug="with-quiz", order=0)
    body = client.get(first.get_absolute_url()).content.decode()
    link = body.split('class="quiz-link"')[1].split("</p>")[0]
    assert 'class="icon icon-quiz"' in link and 'aria-hidden="true"' in link
    assert "Test yourself: Demo quiz" in link


def test_the_course_counts_its_module_quizzes(client, course):
    client.force_login(UserFactory())  # signed in: no page cache between the two reads
    assert "module quiz" not in client.get("/courses/demo/").content.decode()
    quiz_in(course)
    assert "1 module quiz<" in client.get("/courses/demo/").content.decode()
