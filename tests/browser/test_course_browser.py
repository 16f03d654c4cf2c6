"""The course in a real browser: a learner's first lesson, and an author publishing one."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from apps.courses.models import Lesson
from tests.checks.conftest import solve_checks
from tests.conftest import axe_violations
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

COURSE = "/courses/python-backend-engineering/"


@pytest.fixture
def course_site(live_url):
    call_command("import_content", verbosity=0)
    return live_url


def test_new_visitor_signs_up_reads_completes_and_sees_the_dashboard(page, course_site):
    page.goto(course_site + "/")
    page.get_by_role("link", name="Courses", exact=True).click()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Python Backend Engineering").click()
    page.wait_for_url("**" + COURSE)
    assert axe_violations(page) == []
    page.get_by_role("link", name="Create an account").click()
    page.fill("#id_username", "newlearner")
    page.fill("#id_email", "new@example.com")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**" + COURSE)
    assert "0 of 43" in page.inner_text(".progress-summary")
    page.locator("#module-concurrency summary").click()  # modules open on demand
    page.get_by_role("link", name="The GIL, explained").click()
    assert page.locator("h1").inner_text() == "The GIL, explained"
    assert page.locator(".toc a").count() >= 3
    assert axe_violations(page) == []
    # A lesson completes once its checks are answered correctly: refused before that.
    page.get_by_role("button", name="Mark as complete").click()
    page.get_by_text("Answer this lesson's checks correctly first").wait_for()
    assert page.locator(".badge-done").count() == 0
    solve_checks(
        get_user_model().objects.get(username="newlearner"),
        Lesson.objects.get(slug="the-gil-explained"),
    )
    page.reload()
    page.get_by_role("button", name="Mark as complete").click()
    page.wait_for_selector("#progress .badge-done")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    assert "1 of 43 lessons complete" in page.inner_text(".progress-total")
    tile = page.locator('.module-tile[data-module="concurrency"]')
    assert tile.get_attribute("data-completed") == "1"
    assert page.locator(".module-tile svg.ring").count() == 12
    assert axe_violations(page) == []


def test_author_creates_previews_publishes_and_a_learner_finds_it(browser, course_site):
    UserFactory(username="writer", is_staff=True, roles=["author"])
    author_ctx = browser.new_context()
    author = author_ctx.new_page()
    author.goto(course_site + "/admin/courses/lesson/add/")
    author.wait_for_url("**/accounts/login/?next=/admin/courses/lesson/add/")
    author.fill("#id_username", "writer")
    author.fill("#id_password", PASSWORD)
    author.click("button[type=submit]")
    author.wait_for_url("**/admin/courses/lesson/add/")
    author.select_option("#id_module", label="Concurrency in Python")
    author.fill("#id_title", "Backpressure in queues")
    author.fill("#id_slug", "backpressure-in-queues")
    author.fill("#id_summary", "What to do when producers outrun consumers.")
    author.fill("#id_objectives", "Explain backpressure")
    author.fill(
        "#id_body_md",
        "## Bounded queues\n\nA bounded queue applies backpressure: zephyrine producers wait.",
    )
    author.fill("#id_takeaways", "Bound every queue\nMeasure lag")
    author.fill("#id_order", "9")
    author.click("input[name=_preview]")
    author.wait_for_url(re.compile(r".*/preview/$"))
    assert "Preview of a draft" in author.inner_text("main")
    assert "Bounded queues" in author.inner_text(".prose")

    learner = browser.new_context().new_page()
    learner.goto(course_site + "/search/?q=zephyrine")
    assert "0 results" in learner.inner_text("[role=status]")

    author.goto(course_site + "/admin/courses/lesson/?q=Backpressure")
    author.check("input[name=_selected_action]")
    author.select_option("select[name=action]", "publish")
    author.click("button[name=index]")
    assert "1 lesson(s) published" in author.inner_text(".messagelist")
    author_ctx.close()

    learner.goto(course_site + "/search/")
    learner.fill("#search-q", "zephyrine")
    learner.keyboard.press("Enter")
    learner.wait_for_url("**/search/?q=zephyrine")
    assert "1 result" in learner.inner_text("[role=status]")
    assert axe_violations(learner) == []
    learner.get_by_role("link", name="Backpressure in queues").click()
    assert learner.locator("h1").inner_text() == "Backpressure in queues"
