"""Every page, signed out and signed in, error pages included: no CSP violation, no
console error; the error pages styled with DEBUG off and on."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from apps.courses.models import Lesson
from apps.exercises.models import Exercise
from apps.matrix.models import Category
from apps.quizzes.models import Quiz
from tests.browser.pagewatch import PageWatch, is_styled, visit, watch
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

ERROR_PAGES = {
    "/no-such-page/": 404,
    "/test-errors/403/": 403,
    "/test-errors/400/": 400,
    "/test-errors/suspicious/": 400,
    "/test-errors/500/": 500,
}


@pytest.fixture
def site(live_url, settings):  # type: ignore[no-untyped-def]
    settings.ROOT_URLCONF = "tests.browser.error_urls"  # the site plus views that fail
    call_command("import_content", verbosity=0)
    return live_url


def _site_pages() -> list[str]:
    lesson = Lesson.objects.filter(status="published").select_related("module__course").first()
    pages = [
        "/",
        "/courses/",
        lesson.module.course.get_absolute_url(),
        lesson.get_absolute_url(),
        "/search/?q=celery",
        "/matrix/",
        "/quizzes/" + Quiz.objects.filter(status="published").first().slug + "/",
        "/live/",
        "/api/explorer/",
        "/api/docs/",
        "/api/redoc/",
        "/api/v1/",
        "/api/v1/?format=json",
    ]
    category = Category.objects.first()
    if category is not None:
        pages.append(category.get_absolute_url())
    exercise = Exercise.objects.filter(status="published").first()
    if exercise is not None:
        pages += ["/exercises/", exercise.get_absolute_url()]
    return pages


def _csrf_failure(page, found: PageWatch, base: str) -> int:  # type: ignore[no-untyped-def]
    """Post a form without its CSRF token (the form is built over DevTools, not by the page)."""
    found.current = base + "/accounts/logout/"
    with page.expect_navigation() as navigation:
        page.evaluate(
            """() => { const f = document.createElement('form'); f.method = 'post';
            f.action = '/accounts/logout/'; document.body.append(f); f.submit(); }"""
        )
    page.wait_for_load_state("networkidle")
    return navigation.value.status


def _crawl_error_pages(page, found: PageWatch, base: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    seen: dict[str, object] = {}
    for path in ERROR_PAGES:
        got = visit(page, found, base + path)
        seen[path] = (got, is_styled(page))
    visit(page, found, base + "/")
    seen["csrf"] = (_csrf_failure(page, found, base), is_styled(page))
    return seen


def test_no_csp_violation_or_console_error_signed_out_and_signed_in(page, site):
    UserFactory(username="crawler")
    found = watch(page)
    pages = _site_pages()
    statuses = {path: visit(page, found, site + path) for path in pages}
    errors = _crawl_error_pages(page, found, site)

    page.goto(site + "/accounts/login/?next=/dashboard/")
    page.fill("#id_username", "crawler")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/dashboard/$"))
    for path in [*pages, "/dashboard/", "/accounts/profile/"]:
        statuses[path + " (signed in)"] = visit(page, found, site + path)
    signed_in_errors = _crawl_error_pages(page, found, site)

    assert {path: status for path, status in statuses.items() if status != 200} == {}
    expected = {path: (status, True) for path, status in ERROR_PAGES.items()} | {
        "csrf": (403, True)
    }
    assert errors == expected  # the right status, and styled
    assert signed_in_errors == expected
    assert found.problems == {}


def test_error_pages_in_debug_mode_are_styled_without_csp_violation(page, site, settings):
    settings.DEBUG = True  # Django's technical 404 and 500 pages, with their inline CSS
    found = watch(page)
    errors = _crawl_error_pages(page, found, site)
    assert errors == {path: (status, True) for path, status in ERROR_PAGES.items()} | {
        "csrf": (403, True)
    }
    # The traceback page's own script and handlers run: the copy-and-paste view switches.
    visit(page, found, site + "/test-errors/500/")
    assert page.locator("#pastebinTraceback").is_hidden()
    page.click("text=Switch to copy-and-paste view")
    assert page.locator("#pastebinTraceback").is_visible()
    assert found.problems == {}
