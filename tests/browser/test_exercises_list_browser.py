"""The exercises list: one grid that uses a laptop's width, filters that work without
JavaScript and leave a shareable address, and a phone layout without sideways scrolling."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.exercises.models import Exercise
from tests.conftest import axe_violations

pytestmark = pytest.mark.browser

COLUMNS = """() => {
  const cards = [...document.querySelectorAll('.exercise-card')];
  return {
    columns: new Set(cards.map(c => Math.round(c.getBoundingClientRect().left))).size,
    right: Math.max(...cards.map(c => c.getBoundingClientRect().right)),
    height: document.documentElement.scrollHeight,
    width: document.documentElement.scrollWidth,
  };
}"""


def test_exercise_grid_fills_the_width_and_filters_without_javascript(browser, live_url):
    call_command("import_content", verbosity=0)
    published = Exercise.objects.filter(status="published")
    count = published.count()
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(live_url + "/exercises/")
    layout = page.evaluate(COLUMNS)
    assert layout["columns"] >= 3, layout
    assert layout["right"] >= 1280 - 100, layout  # the grid reaches the content box's edge
    assert layout["height"] < 300 * count / 3 + 800, layout  # was 4,200 px for 20
    assert f"Showing {count} of {count}" in page.inner_text("#exercise-count")
    hard = published.filter(difficulty="hard")
    module = published.select_related("lesson__module")[0].lesson.module
    page.select_option("#filter-difficulty", "hard")
    page.click("text=Show")
    page.wait_for_url("**/exercises/?**difficulty=hard**")
    cards = page.locator(".exercise-card")
    assert cards.count() == hard.count()
    assert set(cards.evaluate_all("els => els.map(e => e.dataset.difficulty)")) <= {"hard"}
    page.select_option("#filter-module", module.slug)
    page.click("text=Show")
    page.wait_for_url(f"**module={module.slug}**")
    expected = hard.filter(lesson__module=module).count()
    shared = page.url
    fresh = browser.new_context().new_page()  # the address reproduces the view
    fresh.goto(shared)
    assert fresh.locator(".exercise-card").count() == expected
    assert fresh.locator("#filter-module").input_value() == module.slug
    assert fresh.locator("#filter-difficulty").input_value() == "hard"
    assert axe_violations(fresh) == []  # (axe needs JavaScript: this context has it)
    fresh.context.close()
    context.close()

    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    phone.goto(live_url + "/exercises/")
    layout = phone.evaluate(COLUMNS)
    assert layout["width"] <= 390 and layout["columns"] == 1, layout
    assert axe_violations(phone) == []
    phone.context.close()
