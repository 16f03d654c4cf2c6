"""The API explorer in a real browser: both APIs run live and their costs are compared."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.conftest import axe_violations
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


def metric(page, pane: str, name: str):
    return page.locator(f"#{pane}-metrics [data-metric={name}]")


def test_explorer_runs_rest_and_graphql_side_by_side(page, live_url, settings):
    call_command("import_content", verbosity=0)
    settings.API_METRICS_PUBLIC = False
    UserFactory(username="explorer", is_staff=True)
    page.goto(live_url + "/api/explorer/")
    expect(page.get_by_role("heading", level=1)).to_have_text("REST and GraphQL, side by side")
    assert axe_violations(page) == []

    # Anonymous: the outline, one round trip each; SQL counts are not shown.
    page.select_option("#operation", "outline")
    expect(page.locator("#rest-request")).to_contain_text("GET /api/v1/courses/")
    expect(page.locator("#gql-request")).to_contain_text("course(slug: $slug)")
    page.get_by_role("button", name="Run both").click()
    expect(page.locator("#compare-text")).to_contain_text("round trip")
    for pane in ("rest", "gql"):
        expect(metric(page, pane, "status")).to_have_text("200")
        expect(metric(page, pane, "trips")).to_have_text("1")
        expect(metric(page, pane, "sql")).to_have_text("hidden")
        expect(metric(page, pane, "server")).to_have_text(re.compile(r"^\d+\.\d ms$"))
    expect(page.locator("#rest-response")).to_contain_text('"modules"')
    expect(page.locator("#gql-response")).to_contain_text('"course"')
    expect(page.locator("#compare-chart .compare-row")).to_have_count(3)

    # Fewer fields: GraphQL sends fewer bytes than the full REST outline.
    page.select_option("#operation", "titles")
    page.get_by_role("button", name="Run both").click()
    expect(page.locator("#compare-text")).to_contain_text("fewer bytes")

    # Progress needs an account: the button is disabled and says why.
    page.select_option("#operation", "outline-progress")
    expect(page.locator("#op-unavailable")).to_be_visible()
    expect(page.get_by_role("button", name="Run both")).to_be_disabled()

    # Staff: two REST round trips against one GraphQL request, with SQL counts.
    page.goto(live_url + "/accounts/login/?next=/api/explorer/%3Fop%3Doutline-progress")
    page.fill("#id_username", "explorer")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/api/explorer/\?op=outline-progress$"))
    expect(page.locator("#operation")).to_have_value("outline-progress")
    page.get_by_role("button", name="Run both").click()
    expect(metric(page, "rest", "trips")).to_have_text("2")
    expect(metric(page, "gql", "trips")).to_have_text("1")
    expect(metric(page, "rest", "status")).to_have_text("200, 200")
    expect(metric(page, "rest", "sql")).to_have_text(re.compile(r"^\d+$"))
    expect(metric(page, "gql", "sql")).to_have_text(re.compile(r"^\d+$"))
    expect(page.locator("#compare-chart .compare-row")).to_have_count(4)
    expect(page.locator("#gql-response")).to_contain_text('"progress"')
    assert axe_violations(page) == []
