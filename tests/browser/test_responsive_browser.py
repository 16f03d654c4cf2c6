"""Every main page fits a phone and a laptop, signed in, with the real course, matrix,
quizzes and exercises imported: no sideways scrolling at 360 and 1280 px, and axe-core
clean at 1280 px. One crawl, one page load per URL: the phone width is measured after
resizing the loaded page (the layout is CSS; nothing is reloaded)."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command

from apps.courses.models import Lesson
from apps.exercises.models import Exercise
from apps.live import services as live_services
from apps.matrix.models import Category
from apps.quizzes.models import Quiz
from tests.browser import screens
from tests.conftest import axe_violations
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

# Lessons with the course's widest inline code and tables with a row-label column.
WIDE_LESSONS = ("threads-and-processes", "real-time-with-websockets", "python-vs-java")
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def _live_history(user, quiz) -> None:  # type: ignore[no-untyped-def]
    """A hosted and a played session, so the dashboard shows both live tables."""
    host = UserFactory(username="phone-host")
    live_services.session_create(host=user, quiz_slug=quiz.slug)
    played = live_services.session_create(host=host, quiz_slug=quiz.slug)
    live_services.player_join(session_id=played.pk, user=user, nickname="A long nickname here")


def test_main_pages_fit_a_phone_and_a_laptop_and_pass_axe(browser, live_url):
    call_command("import_content", verbosity=0)
    user = UserFactory(username="phone")
    quizzes = list(
        Quiz.objects.filter(status="published", questions__isnull=False).distinct().order_by("pk")
    )
    # Live services broadcast through async_to_sync, which cannot run in this thread
    # (Playwright's event loop lives here): set the history up from another thread.
    setup = threading.Thread(target=_live_history, args=(user, quizzes[0]))
    setup.start()
    setup.join()
    lesson = Lesson.objects.filter(status="published").select_related("module__course").first()
    pages = [
        "/",
        "/courses/",
        lesson.module.course.get_absolute_url(),
        lesson.get_absolute_url(),
        *(Lesson.objects.get(slug=slug).get_absolute_url() for slug in WIDE_LESSONS),
        "/dashboard/",
        "/matrix/",
        quizzes[0].get_absolute_url(),
        "/live/",
        "/api/explorer/",
        "/accounts/profile/",
    ]
    category = Category.objects.first()
    if category is not None:
        pages.append(category.get_absolute_url())
    exercise = Exercise.objects.filter(status="published").first()
    if exercise is not None:
        pages += ["/exercises/", exercise.get_absolute_url()]
    # The main pages' screenshots at 1280 and 390 px (catalog, course and dashboard come
    # from test_design_browser.py).
    shots = {
        "/": "home",
        lesson.get_absolute_url(): "lesson",
        "/matrix/": "matrix",
        quizzes[0].get_absolute_url(): "quiz",
        "/live/": "live",
        "/exercises/": "exercises",
    }
    if exercise is not None:
        shots[exercise.get_absolute_url()] = "exercise"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    wide: dict[str, int] = {}
    violations: dict[str, list[str]] = {}

    def check(path: str, axe: bool = True, shot: str = "") -> None:
        page.set_viewport_size({"width": 1280, "height": 900})
        if (overflow := page.evaluate(OVERFLOW)) > 0:
            wide[f"{path} @1280"] = overflow
        if axe and (found := axe_violations(page)):
            violations[path] = [f"{v['id']} ({len(v['nodes'])})" for v in found]
        if shot:  # docs/screenshots/, with SCREENSHOTS=1 only (tests/browser/screens.py)
            screens.page_shot(page, shot)
            page.set_viewport_size({"width": 390, "height": 844})
            screens.page_shot(page, shot)
        page.set_viewport_size({"width": 360, "height": 740})
        if (overflow := page.evaluate(OVERFLOW)) > 0:
            wide[f"{path} @360"] = overflow

    try:
        page.goto(f"{live_url}/accounts/login/?next=/dashboard/")
        page.fill("#id_username", "phone")
        page.fill("#id_password", PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{live_url}/dashboard/")  # not the login page's ?next=/dashboard/
        page.wait_for_load_state("networkidle")
        for path in pages:
            response = page.goto(live_url + path)
            assert response is not None and response.status == 200, path
            if path == exercise_path(exercise):
                page.locator(".cm-content").wait_for()  # the editor and its scroller
            check(path, shot=shots.get(path, ""))
        # Every quiz's attempt page (the questions, their code and options), axe on one.
        for number, quiz in enumerate(quizzes):
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(live_url + quiz.get_absolute_url())
            with page.expect_navigation():
                page.locator(f"form[action$='/quizzes/{quiz.slug}/start'] button").click()
            check(f"attempt of {quiz.slug}", axe=number == 0)
    finally:
        context.close()
    assert wide == {}, f"pages wider than the screen (px): {wide}"
    assert violations == {}, violations


def exercise_path(exercise) -> str | None:  # type: ignore[no-untyped-def]
    return exercise.get_absolute_url() if exercise is not None else None
