"""GraphiQL in a real browser: vendored files only, the site's CSP, queries and a
mutation (session + CSRF header) from the IDE."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, LessonFactory, UserFactory

pytestmark = pytest.mark.browser


def _open(page, url: str, problems: list[str]) -> None:
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on(
        "request",
        lambda req: (
            problems.append(f"off-site request {req.url}")
            if not req.url.startswith(url.split("/graphql", maxsplit=1)[0])
            and not req.url.startswith("data:")
            else None
        ),
    )
    page.goto(url)
    expect(page.locator(".graphiql-container")).to_be_visible()


def _run(page) -> str:
    page.locator(".graphiql-execute-button").click()
    result = page.locator(".result-window")
    expect(result).to_contain_text('"data"')
    return result.inner_text()


def test_graphiql_runs_a_query_under_the_csp(page, live_url):
    LessonFactory(module__course__slug="gql-course", module__course__title="GraphQL course")
    problems: list[str] = []
    query = "{ courses { slug title } }"
    _open(page, f"{live_url}/graphql?query={quote(query)}", problems)
    text = _run(page)
    assert "gql-course" in text and "GraphQL course" in text
    # The dialogs inject inline styles (the page's CSP allows them, scripts stay 'self').
    page.get_by_role("button", name="Open settings dialog").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Show Documentation Explorer").click()
    expect(page.locator(".graphiql-doc-explorer")).to_contain_text("Query")
    assert problems == []  # no CSP violation, script error or CDN request


def test_graphiql_sends_the_csrf_token_for_a_signed_in_mutation(page, live_url):
    from apps.courses.models import LessonProgress

    lesson = LessonFactory()
    user = UserFactory(username="graphiqluser")
    page.goto(live_url + "/accounts/login/")
    page.fill("#id_username", "graphiqluser")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/profile/")
    problems: list[str] = []
    mutation = (
        f'mutation {{ lesson_progress_set(course: "{lesson.module.course.slug}", '
        f'module: "{lesson.module.slug}", lesson: "{lesson.slug}", completed: true) '
        "{ lesson completed progress { completed total } } }"
    )
    _open(page, f"{live_url}/graphql?query={quote(mutation)}", problems)
    text = _run(page)
    assert '"completed": true' in text and "csrf" not in text.lower()
    assert LessonProgress.objects.filter(user=user, lesson=lesson).exists()
    assert problems == []
