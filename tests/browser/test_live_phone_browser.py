"""A live quiz on a phone shows the question, the clock and every answer without
scrolling; an ended game's host screen no longer offers joining or removing players; the
results count the questions actually played; titles name the quiz once."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from apps.quizzes.models import Quiz
from tests.browser.test_live_browser import host_a_session, join_as
from tests.conftest import axe_violations

pytestmark = pytest.mark.browser

ABOVE_THE_FOLD = """() => {
  const inView = el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
  };
  const choices = [...document.querySelectorAll('#answer-controls .live-choice')];
  return {
    choices: choices.length,
    hidden: choices.filter(c => !inView(c)).map(c => c.textContent.trim().slice(0, 40)),
    prompt: inView(document.getElementById('q-prompt')),
    clock: inView(document.getElementById('q-seconds')),
    number: inView(document.getElementById('question-title')),
    scrollY: window.scrollY,
    width: document.documentElement.scrollWidth,
    wide: [...document.querySelectorAll('body *')]
      .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
      .slice(0, 4).map(e => e.tagName + '.' + e.className + '#' + e.id),
  };
}"""


def test_a_phone_player_sees_every_answer_and_an_ended_game_is_tidy(browser, live_url):
    call_command("import_content", verbosity=0)
    quiz = Quiz.objects.get(title="Quiz: Why Python for backends")
    errors: list[str] = []
    host_context, host, code = host_a_session(browser, live_url, quiz, errors)
    assert host.title().startswith(f"{quiz.title} — hosting {code}")
    player_context, player = join_as(browser, live_url, code, "Ada", errors)
    assert player.title().count("Quiz:") == 1
    assert player.locator("h1").inner_text() == quiz.title
    host.get_by_role("button", name="Start the quiz").click()
    seen = 0
    for number in (1, 2, 3):
        expect(player.locator("#q-number")).to_have_text(str(number))
        expect(player.locator("#phase-question")).to_be_visible()
        expect(player.locator("#answer-controls > *").first).to_be_visible()
        view = player.evaluate(ABOVE_THE_FOLD)
        if view["choices"]:
            seen += 1
            assert view["hidden"] == [], (number, view)
            assert view["prompt"] and view["clock"] and view["number"], (number, view)
        assert view["scrollY"] == 0 and view["width"] <= 390, (number, view["wide"])
        if number == 1:
            assert axe_violations(player) == []
        host.get_by_role("button", name="Reveal now").click()
        expect(player.locator("#phase-review")).to_be_visible()
        if number < 3:
            host.get_by_role("button", name="Next question").click()
    assert seen >= 2  # choice questions were checked
    assert quiz.questions.filter(retired=False).count() > 3
    end = host.get_by_role("button", name=re.compile("End session"))
    end.click()
    host.get_by_role("button", name="Press again to end").click()
    expect(host.locator("#phase-final")).to_be_visible()
    expect(host.locator(".live-joinbox")).to_be_hidden()
    assert host.locator(".live-kick:visible").count() == 0
    host.reload()
    assert host.locator(".live-joinbox").count() == 0  # not rendered once ended
    assert host.locator("#join-code").count() == 0
    assert host.locator(".live-kick:visible").count() == 0

    host.goto(f"{live_url}/live/{code}/results/")
    assert host.locator("h1").inner_text() == quiz.title
    assert "Results: Quiz" not in host.content()
    assert host.title().count("Quiz:") == 1
    cells = host.locator("td", has_text=re.compile(r"^\s*\d+ of \d+\s*$")).all_inner_texts()
    assert cells and all(text.strip().endswith(" of 3") for text in cells), cells
    assert errors == []
    host_context.close()
    player_context.close()
