"""The API explorers in a browser: Swagger UI and ReDoc render every operation from local
files, without a Content-Security-Policy violation, and "Try it out" uses the session."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.conftest import axe_violations
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

# Recorded from the first script on: the page's CSP does not apply to an init script.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def docs_site(live_url):
    call_command("import_content", verbosity=0)
    return live_url


def _watch(page, base: str) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {"errors": [], "foreign": []}
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on(
        "request",
        lambda r: (
            seen["foreign"].append(r.url)
            if not r.url.startswith((base, "data:", "blob:" + base))
            else None
        ),
    )
    return seen


def _assert_clean(page, seen: dict[str, list[str]]) -> None:
    assert page.evaluate("window.__cspViolations") == []
    assert seen["errors"] == []
    assert seen["foreign"] == []  # nothing from a CDN or any other origin


def _operation_count(docs_site: str) -> int:
    import json
    import urllib.request

    with urllib.request.urlopen(docs_site + "/api/schema/?format=json") as response:
        schema = json.load(response)
    return sum(len(item) for item in schema["paths"].values())


def test_swagger_ui_renders_and_tries_requests_with_the_session(page, docs_site):
    UserFactory(username="apiexplorer")
    page.goto(docs_site + "/accounts/login/?next=/api/docs/")
    page.fill("#id_username", "apiexplorer")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/api/docs/")
    seen = _watch(page, docs_site)
    page.reload()

    assert page.title() == "Try the REST API (Swagger UI) · Backend Academy"
    # Swagger UI's API title (an h1 of its own) is turned into a level-2 heading, and its
    # <main> is the page's only one.
    assert page.locator("#main h1").first.inner_text() == "Try the REST API"
    assert page.get_by_role("navigation", name="API documentation").is_visible()
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() == _operation_count(docs_site)
    # (aria-level: Playwright's role query keeps an h1's own level, browsers do not)
    expect(page.locator("h1:not([aria-level='2'])")).to_have_count(1)
    assert page.locator("main").count() == 1
    assert axe_violations(page) == []  # contrast, one main, no control inside a control

    # "Try it out" on the course outline, with the session: the progress is the user's.
    operation = page.locator("#operations-courses-courses_retrieve")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.locator("input[placeholder='slug']").fill("python-backend-engineering")
    operation.get_by_role("button", name="Execute").click()
    body = operation.locator(".live-responses-table .response-col_description pre").first
    body.wait_for()
    assert '"progress": {' in body.inner_text() and '"completed": 0' in body.inner_text()
    _assert_clean(page, seen)

    # Unsafe methods carry the CSRF token: without it the session is refused (403);
    # with the header the explorer adds, the request gets past CSRF to the view (405).
    statuses = page.evaluate(
        """async () => {
          const ask = (headers) => fetch("/api/v1/courses/", {method: "POST", headers})
            .then((r) => r.status);
          const request = window.ui.getConfigs().requestInterceptor(
            {url: "/api/v1/courses/", method: "POST", headers: {}});
          return [await ask({}), await ask(request.headers)];
        }"""
    )
    assert statuses == [403, 405]


def test_redoc_renders_every_operation(page, docs_site):
    seen = _watch(page, docs_site)
    page.goto(docs_site + "/api/redoc/")
    assert page.title() == "API reference · Backend Academy"
    assert page.locator("main").count() == 1
    page.wait_for_selector("[data-section-id^='operation/']")
    assert page.locator("[data-section-id^='operation/']").count() == _operation_count(docs_site)
    assert page.get_by_text("Backend Academy API").first.is_visible()
    expect(page.locator("h1:not([aria-level='2'])")).to_have_count(1)
    # The search index runs in ReDoc's worker (blob:, allowed on this page only).
    page.get_by_placeholder("Search...").fill("matrix")
    results = page.locator("[data-role='search:results'] [role=menuitem]")
    results.first.wait_for()
    assert "matrix_retrieve" in results.first.get_attribute("data-item-id")
    _assert_clean(page, seen)
