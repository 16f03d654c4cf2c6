"""The API explorer measures fresh responses, compares bytes truthfully, and fits a phone."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def run_both(page) -> str:
    page.locator("#compare-text").evaluate("node => { node.textContent = ''; }")
    page.get_by_role("button", name="Run both").click()
    text = page.locator("#compare-text")
    expect(text).to_contain_text("round trip")
    return text.text_content() or ""


def test_each_run_measures_a_fresh_response_and_fits_a_phone(page, live_url):
    """Run twice: the second run must reach the server for a full answer (no If-None-Match,
    so no 304 whose cached body and stale headers would be reported), and the page stays
    within a 390 px screen."""
    call_command("import_content", verbosity=0)
    rest = []
    page.on(
        "response",
        lambda r: rest.append((r.status, r.request.all_headers())) if "/api/v1/" in r.url else None,
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_url + "/api/explorer/")
    page.select_option("#operation", "outline")
    run_both(page)
    run_both(page)
    assert len(rest) == 2
    for status, headers in rest:
        assert status == 200
        assert "if-none-match" not in headers
        assert "if-modified-since" not in headers
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize(
    ("rest_bytes", "gql_bytes", "expected"),
    [
        (1000, 650, "GraphQL sent 35% fewer bytes than REST (650 against 1,000)"),
        (1000, 1500, "GraphQL sent 50% more bytes than REST (1,500 against 1,000)"),
        (19476, 19502, "GraphQL sent less than 1% more bytes than REST (19,502 against 19,476)"),
        (19502, 19476, "GraphQL sent less than 1% fewer bytes than REST (19,476 against 19,502)"),
        (800, 800, "GraphQL and REST sent the same number of bytes (800 against 800)"),
    ],
)
def test_the_comparison_sentence_says_which_sent_more(
    page, live_url, rest_bytes, gql_bytes, expected
):
    call_command("import_content", verbosity=0)

    def body(size: int) -> str:
        text = json.dumps({"data": ""})
        return json.dumps({"data": "x" * (size - len(text))})

    page.route(
        "**/api/v1/**",
        lambda route: route.fulfill(
            status=200, content_type="application/json", body=body(rest_bytes)
        ),
    )
    page.route("**/graphql", lambda route: route.fulfill(
        status=200, content_type="application/json", body=body(gql_bytes)))  # fmt: skip
    page.goto(live_url + "/api/explorer/")
    page.select_option("#operation", "outline")
    assert run_both(page).startswith(expected + " in 1 round trip against 1.")
