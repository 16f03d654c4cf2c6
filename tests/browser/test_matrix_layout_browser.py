"""Matrix tables fit a laptop's content box; on a phone they scroll inside their box with
the option / criterion column kept in view."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.matrix.models import Category
from tests.conftest import axe_violations

pytestmark = pytest.mark.browser

BOXES = """() => [...document.querySelectorAll('.table-scroll')].map(box => ({
  client: box.clientWidth, scroll: box.scrollWidth,
  table: box.querySelector('table').className,
}))"""


def test_every_matrix_and_a_three_way_comparison_fit_at_1280(browser, live_url):
    call_command("import_content", verbosity=0)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(live_url + "/matrix/web-frameworks/?compare=django&compare=flask&compare=fastapi")
    boxes = page.evaluate(BOXES)
    assert [b["table"] for b in boxes] == ["compare-table compare-3", "matrix-table"]
    assert all(b["scroll"] <= b["client"] for b in boxes), boxes
    # The last column of the main table ("Typical use") is inside the box, not cut off.
    last = page.locator(".matrix-table thead th").last
    box = page.locator(".matrix-table").locator("xpath=..").bounding_box()
    assert last.inner_text().strip() == "Typical use"
    header = last.bounding_box()
    assert header["x"] + header["width"] <= box["x"] + box["width"] + 1
    assert axe_violations(page) == []
    wide = {}
    for slug in Category.objects.filter(status="published").values_list("slug", flat=True):
        page.goto(f"{live_url}/matrix/{slug}/")
        for b in page.evaluate(BOXES):
            if b["scroll"] > b["client"]:
                wide[slug] = b["scroll"] - b["client"]
    assert wide == {}, f"matrix tables wider than their box at 1280 px: {wide}"
    page.context.close()


def test_comparison_scrolls_inside_its_box_on_a_phone_with_sticky_first_column(browser, live_url):
    call_command("import_content", verbosity=0)
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    url = "/matrix/web-frameworks/?compare=django&compare=flask&compare=fastapi"
    page.goto(live_url + url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(page) == []
    for table, first in (
        (".compare-table", 'tbody th[scope="row"]'),
        (".matrix-table", 'tbody th[scope="row"]'),
    ):
        scroller = page.locator(table).locator("xpath=..")
        cell = page.locator(f"{table} {first}").first
        before = cell.bounding_box()["x"]
        scroller.evaluate("el => { el.scrollLeft = 300; }")
        assert scroller.evaluate("el => el.scrollLeft") > 0, table
        assert abs(cell.bounding_box()["x"] - before) < 1, table  # stayed in view
        # The scrolling box can be reached and scrolled by keyboard.
        assert scroller.get_attribute("tabindex") == "0"
    page.context.close()
