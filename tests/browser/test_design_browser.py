"""The catalog, the course landing page and the dashboard in a real browser, at 1280 and
390 px, signed out and in: no sideways scroll, no CSP violation or script error, axe-core
clean, covers loaded, modules expandable. With SCREENSHOTS=1 they also write the
screenshots of docs/design.md (tests/browser/screens.py)."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.courses import services
from apps.courses.models import Lesson
from apps.exercises.models import Exercise, Run
from apps.quizzes import services as quiz_services
from apps.quizzes.models import Quiz
from tests.browser import screens
from tests.checks.conftest import solve_checks
from tests.conftest import axe_violations
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

COURSE = "/courses/python-backend-engineering/"
WIDTHS = (1280, 390)


@pytest.fixture
def learner(live_url):
    """The real course, and a learner part-way through it: lessons read, a quiz attempt
    left open, an exercise tried and not solved."""
    call_command("import_content", verbosity=0)
    user = UserFactory(username="midway")
    lessons = list(
        Lesson.objects.filter(status="published", module__order__lte=2)
        .select_related("module__course")
        .order_by("module__order", "order")[:5]
    )
    for lesson in lessons:
        solve_checks(user, lesson)  # a lesson completes once its checks are answered
        services.lesson_progress_set(user=user, lesson=lesson, completed=True)
    quiz = Quiz.objects.filter(status="published", kind="module").order_by("module__order")[0]
    quiz_services.attempt_start(user=user, quiz=quiz)
    exercise = Exercise.objects.filter(status="published").order_by("order").first()
    if exercise is not None:
        Run.objects.create(user=user, exercise=exercise, mode="submit", status="failed",
                           key="design-browser-1", code="def f(): pass\n",
                           queued_at=timezone.now())  # fmt: skip
    return {"url": live_url, "user": user, "quiz": quiz, "exercise": exercise}


def open_page(browser, base: str, width: int, *, signed_in: bool):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    if signed_in:
        page.goto(f"{base}/accounts/login/?next=/dashboard/")
        page.fill("#id_username", "midway")
        page.fill("#id_password", PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/dashboard/$"))
    return context, page, errors


def check_page(page, errors: list[str], path: str) -> None:  # type: ignore[no-untyped-def]
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, (path, page.viewport_size, overflow)
    # Every image shown has loaded (lazy ones below the fold may not have started yet).
    broken = page.evaluate(
        "[...document.images].filter(i => (i.complete || i.loading !== 'lazy')"
        " && (!i.complete || i.naturalWidth === 0)).map(i => i.src)"
    )
    assert broken == [], broken
    assert axe_violations(page) == [], path
    assert errors == [], (path, errors)


@pytest.mark.parametrize("width", WIDTHS)
def test_catalog_and_course_signed_out(browser, learner, width):
    context, page, errors = open_page(browser, learner["url"], width, signed_in=False)
    try:
        page.goto(learner["url"] + "/courses/")
        page.wait_for_load_state("networkidle")
        assert page.locator(".course-card img.course-card-art").count() == 1
        check_page(page, errors, "/courses/")
        screens.page_shot(page, "catalog")
        page.goto(learner["url"] + COURSE)
        page.wait_for_load_state("networkidle")
        cards = page.locator(".module-card")
        assert cards.count() == 12
        assert page.locator(".module-details[open]").count() == 1  # the first, for a newcomer
        check_page(page, errors, COURSE)
        screens.page_shot(page, "course")
        # Modules expand: a lesson in module 5 becomes reachable after a click.
        link = page.get_by_role("link", name="The GIL, explained")
        assert not link.is_visible()
        page.locator("#module-concurrency summary").click()
        assert link.is_visible()
        check_page(page, errors, COURSE + " (expanded)")
        box = cards.first.bounding_box()
        assert box is not None and box["width"] <= width
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_course_and_dashboard_signed_in(browser, learner, width):
    context, page, errors = open_page(browser, learner["url"], width, signed_in=True)
    try:
        page.wait_for_load_state("networkidle")
        continue_box = page.locator(".dash-continue")
        assert learner["quiz"].title in continue_box.inner_text()
        if learner["exercise"] is not None:
            assert learner["exercise"].title in continue_box.inner_text()
        assert "Next lesson" in continue_box.inner_text()
        assert page.locator(".module-tile .ring").count() == 12
        assert page.locator("svg.column-chart rect").count() == 12
        assert page.locator("svg.bar-chart").count() == 0
        check_page(page, errors, "/dashboard/")
        screens.page_shot(page, "dashboard")
        if width == 1280:
            screens.element_shot(page.locator(".continue-item").first, "continue-card")
            screens.element_shot(page.locator(".dash-activity"), "activity-chart")
            screens.element_shot(page.locator(".module-tile").first, "module-tile-ring")
        page.goto(learner["url"] + COURSE)
        page.wait_for_load_state("networkidle")
        assert "5 of 43" in page.inner_text(".progress-summary")
        assert page.locator(".module-card .ring").count() == 12
        check_page(page, errors, COURSE)
        screens.page_shot(page, "course-signed-in")
        if width == 1280:
            screens.element_shot(page.locator(".module-card").nth(1), "module-card")
            screens.element_shot(page.locator(".learn"), "learn-list")
            screens.element_shot(page.locator(".callout").first, "callout")
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            screens.element_shot(page.locator(".lesson-row.is-done").first, "badge")
    finally:
        context.close()


def test_dark_theme_keeps_rings_and_cards_legible(browser, learner):
    context, page, errors = open_page(browser, learner["url"], 1280, signed_in=True)
    try:
        page.wait_for_load_state("networkidle")
        page.evaluate("localStorage.setItem('ba-theme', 'dark')")
        page.goto(learner["url"] + COURSE)
        page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("data-theme") == "dark"
        track = page.evaluate("getComputedStyle(document.querySelector('.ring-track')).stroke")
        assert track == "rgb(42, 53, 72)"  # the dark ring track token
        check_page(page, errors, COURSE + " (dark)")
        screens.page_shot(page, "course-dark")
    finally:
        context.close()


def test_an_empty_catalog_shows_its_empty_state(page, live_url):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(live_url + "/courses/")
    empty = page.locator(".empty-state")
    assert "No course is published yet" in empty.inner_text()
    check_page(page, errors, "/courses/ (empty)")
    screens.element_shot(empty, "empty-state")
