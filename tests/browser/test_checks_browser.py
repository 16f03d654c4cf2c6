"""A check inside a lesson, answered in place in a real browser: feedback without a page
load, no script errors or CSP violations, and an accessible region."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.courses import services
from tests.browser.pagewatch import visit, watch
from tests.checks.conftest import BODY
from tests.conftest import AXE_JS
from tests.factories import PASSWORD, LessonFactory, UserFactory

pytestmark = pytest.mark.browser


def test_answer_a_check_in_place(page, live_url):
    lesson = LessonFactory(body_md="Hi.")
    lesson.body_md = BODY
    services.lesson_save(lesson=lesson)
    UserFactory(username="checker")
    found = watch(page)
    page.goto(live_url + "/accounts/login/?next=" + lesson.get_absolute_url())
    page.fill("#id_username", "checker")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_url + lesson.get_absolute_url())
    visit(page, found, live_url + lesson.get_absolute_url())
    assert "EXPLANATION-ONE-SECRET" not in page.content()
    region = page.locator("#check-1")
    region.get_by_label("Wrong A").check()
    page.evaluate("window.__sameDocument = true")  # gone if the answer reloads the page
    region.get_by_role("button", name="Check my answer").click()
    result = page.locator("#check-1 .lesson-check-result")
    expect(result).to_contain_text("Not quite.")
    expect(result).to_contain_text("EXPLANATION-ONE-SECRET")
    expect(page.locator("#check-1")).to_contain_text("FEEDBACK-A-SECRET")
    assert page.evaluate("window.__sameDocument") is True
    page.locator("#check-1").get_by_label("Right B").check()
    page.locator("#check-1").get_by_role("button", name="Try again").click()
    expect(page.locator("#check-1 .lesson-check-result")).to_contain_text("Right.")
    expect(page.locator("#check-1 button")).to_have_count(0)
    assert page.evaluate("window.__sameDocument") is True
    page.evaluate(AXE_JS)
    violations = page.evaluate(
        "async () => (await axe.run('#check-1', {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id)"
    )
    assert violations == []
    assert not any(found.problems.values()), found.problems
