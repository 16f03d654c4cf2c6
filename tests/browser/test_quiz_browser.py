"""Taking a quiz in a real browser, keyboard only, with no answer key in the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import axe_violations
from tests.factories import PASSWORD, UserFactory
from tests.quizzes.conftest import build_quiz, ids

pytestmark = pytest.mark.browser


def test_take_a_quiz_end_to_end(page, live_url):
    quiz = build_quiz(time_limit_minutes=20)
    q = ids(quiz)
    UserFactory(username="quizzer")
    page.goto(live_url + "/accounts/login/?next=/quizzes/" + quiz.slug + "/")
    page.fill("#id_username", "quizzer")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"^{live_url}/quizzes/{quiz.slug}/$"))
    assert axe_violations(page) == []
    page.get_by_role("button", name="Start the quiz").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/quizzes/attempts/\d+/$"))
    source = page.content()
    for secret in ("Because single", "Feedback on", "3.14", "select_related", "is_correct"):
        assert secret not in source, secret
    assert page.locator("#quiz-timer").is_visible()
    assert axe_violations(page) == []

    # Keyboard only: focus each control and choose with Space / typing.
    page.locator(f"input[name=q-{q['single'][0].id}][value='{q['single'][1]['Right']}']").focus()
    page.keyboard.press("Space")
    page.locator(f"input[name=q-{q['multi'][0].id}][value='{q['multi'][1]['A']}']").focus()
    page.keyboard.press("Space")
    page.locator(f"input[name=q-{q['multi'][0].id}][value='{q['multi'][1]['B']}']").focus()
    page.keyboard.press("Space")
    page.locator(f"input[name=q-{q['tf'][0].id}][value=false]").focus()
    page.keyboard.press("Space")
    page.locator(f"#q-{q['num'][0].id}").focus()
    page.keyboard.type("3.14")
    page.keyboard.press("Tab")
    page.locator(f"#q-{q['text'][0].id}").focus()
    page.keyboard.type("select related")
    page.keyboard.press("Tab")
    for position, cid in enumerate(q["order"][1].values(), 1):
        page.select_option(f"#q-{q['order'][0].id}-{cid}", str(position))
    # (expect polls without eval, which the page's CSP forbids)
    expect(page.locator("#answered-count")).to_have_text("6")
    expect(page.locator("#save-status")).to_contain_text("All answers saved")

    page.reload()  # nothing is lost
    assert page.locator(f"input[name=q-{q['single'][0].id}]:checked").count() == 1
    assert page.input_value(f"#q-{q['text'][0].id}") == "select related"

    page.locator("#submit-attempt").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/result/")
    assert "100% — passed" in page.inner_text(".result-summary")
    assert "Because single." in page.inner_text("main")
    assert axe_violations(page) == []
