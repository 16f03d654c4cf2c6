"""The matrix in a browser: compare Django and FastAPI, share the link; an author edits the grid."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.conftest import axe_violations
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def matrix_site(live_url):
    call_command("import_content", verbosity=0)
    return live_url


def test_compare_share_and_author_edit(browser, matrix_site):
    learner_ctx = browser.new_context()
    page = learner_ctx.new_page()
    page.goto(matrix_site + "/matrix/")
    page.get_by_role("link", name="Web frameworks").click()
    assert axe_violations(page) == []
    # A note is readable on keyboard focus, not only on hover.
    value = page.locator('tr[data-option="django"] td.cell .cell-value').first
    value.focus()
    note_id = value.get_attribute("aria-describedby")
    assert page.locator(f"#{note_id}").is_visible()
    page.check("#cmp-django")
    page.check("#cmp-fastapi")
    page.click("#compare-button")
    page.wait_for_url("**compare=django&compare=fastapi**")
    assert "Comparing Django, FastAPI" in page.inner_text("#compare-title")
    differing = page.locator(".compare-table tr.differs").count()
    assert differing >= 3
    assert axe_violations(page) == []
    shared = page.url
    learner_ctx.close()

    fresh = browser.new_context().new_page()
    fresh.goto(shared)
    assert "Comparing Django, FastAPI" in fresh.inner_text("#compare-title")
    assert fresh.locator(".compare-table tr.differs").count() == differing
    before = fresh.locator(
        '.compare-table tr[data-criterion="learning-curve"] td'
    ).first.inner_text()

    UserFactory(username="matrixauthor", is_staff=True, roles=["author"])
    author = browser.new_context().new_page()
    console_errors: list[str] = []
    author.on(
        "console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None
    )
    author.goto(matrix_site + "/admin/matrix/category/")
    author.fill("#id_username", "matrixauthor")
    author.fill("#id_password", PASSWORD)
    author.click("button[type=submit]")
    author.get_by_role("link", name="Edit as a grid").nth(1).click()  # web frameworks (order 2)
    assert "Web frameworks" in author.inner_text("#content")
    field = author.get_by_label("Django: Learning curve", exact=True)
    field.fill("9")
    author.click("input[type=submit]")
    assert "outside the scale" in author.inner_text(".errorlist")
    field = author.get_by_label("Django: Learning curve", exact=True)
    field.fill("1")
    author.click("input[type=submit]")
    assert "1 cell(s) saved" in author.inner_text(".messagelist")
    assert [e for e in console_errors if "Content Security Policy" in e] == []

    fresh.reload()
    after = fresh.locator(
        '.compare-table tr[data-criterion="learning-curve"] td'
    ).first.inner_text()
    assert after != before
    assert after.startswith("1 · Poor")
