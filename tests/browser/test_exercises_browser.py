"""Solving an exercise in a real browser: type in the CodeMirror editor, Run and watch
the results stream in over the websocket, Submit, see the past runs update; keyboard
escape from the editor, starter restore, no CSP violation, axe clean; and the page
without JavaScript."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from apps.exercises import grading
from apps.exercises import services as exercise_services
from tests.conftest import axe_violations
from tests.exercises.conftest import SOLUTION, STARTER, FakeSandbox, make_exercise
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def slow_sandbox(monkeypatch, settings) -> Iterator[FakeSandbox]:
    """The stand-in sandbox, slowed so that results visibly arrive one by one. It lives in
    this process, so runs execute here (the embedded path) in services mode too; the
    broadcasts still go through that mode's channel layer."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    fake = FakeSandbox()
    fake.delay = 0.05
    monkeypatch.setattr(grading, "phase_runner", fake)
    yield fake
    # Let held runs finish and wait for them before the test's data is flushed: a run
    # still writing while the next test starts would make that test fail, not this one.
    if fake.gate is not None:
        fake.gate.set()
    if fake.step is not None:
        fake.step.release(100)
    exercise_services.embedded_runs_drain()


def hold_until_subscribed(page, sandbox) -> None:
    """Hold each run in the stand-in sandbox until the page's socket has its first frame
    (the run's state, sent once subscribed), so that every result is streamed, however
    long the page takes to connect (``sandbox.gate.clear()`` before the next run)."""
    sandbox.gate = threading.Event()
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: sandbox.gate.set()))


def log_in(page, live_url, username, next_url):
    page.goto(f"{live_url}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"^{live_url}{next_url}$"))


@pytest.fixture
def tokyo_page(browser):  # type: ignore[no-untyped-def]
    """A page whose browser lives in Tokyo (UTC+9, far from the server's UTC)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
ONE_FORMAT = re.compile(rf"^\d{{1,2}} ({MONTHS}) \d{{4}}, \d{{2}}:\d{{2}}$")


def test_solve_an_exercise_in_the_editor(tokyo_page, live_url, slow_sandbox):
    page = tokyo_page
    exercise = make_exercise()
    UserFactory(username="solver")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    url = f"/exercises/{exercise.slug}/"
    log_in(page, live_url, "solver", url)

    editor = page.locator(".cm-content")
    expect(editor).to_be_visible(timeout=15_000)  # a 470 KB bundle, on a busy test machine
    assert page.locator("#code").is_hidden()  # the textarea gave way to CodeMirror
    assert "REFERENCE-SOLUTION" not in page.content()
    assert "SECRET-EXPECTATION" not in page.content()
    page.click(".visible-tests summary")  # the visible tests and what they expect
    expect(page.locator("#expected-checks tbody tr")).to_have_count(2)
    expect(page.locator("#expected-checks")).to_contain_text("add(-1, -2)")
    assert axe_violations(page) == []

    # Type a solution (replacing the starter) and run the visible tests.
    hold_until_subscribed(page, slow_sandbox)
    slow_sandbox.step = threading.Semaphore(0)  # each run waits after each test
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(SOLUTION)
    page.click("#run-button")
    # Streaming: the first result is on screen while the run still waits for the second.
    expect(page.locator("#run-progress-text")).to_have_text("1 of 2", timeout=30_000)
    expect(page.locator("#test-list .test")).to_have_count(1)
    slow_sandbox.step.release()
    expect(page.locator("#run-progress-text")).to_have_text("2 of 2")
    expect(page.locator("#run-summary")).to_contain_text("Passed — 2 of 2 tests passed")
    assert page.eval_on_selector("#run-progress", "p => p.value === p.max && p.max === 2")
    expect(page.locator("#test-list .test-passed")).to_have_count(2)
    expect(page.locator("#run-output")).to_have_text("hello from stdout\n")
    expect(page.locator("#runs-body tr")).to_have_count(1)
    assert slow_sandbox.calls[-1]["solution"] == SOLUTION

    # Submit: every test, hidden ones by number only; the past runs list grows.
    slow_sandbox.gate.clear()
    page.click("#submit-button")
    expect(page.locator("#run-progress-text")).to_have_text("1 of 5", timeout=30_000)
    slow_sandbox.step.release()  # the second visible test; then the hidden ones
    expect(page.locator("#run-progress-text")).to_have_text("3 of 5")
    slow_sandbox.step.release(2)
    expect(page.locator("#run-summary")).to_contain_text("Passed — 5 of 5 tests passed")
    expect(page.locator("#test-list .test-hidden")).to_have_count(3)
    expect(page.locator("#test-list .test-hidden .test-name").first).to_have_text("hidden test 1")
    expect(page.locator("#runs-body tr")).to_have_count(2)
    expect(page.locator("#runs-body tr").first).to_contain_text("submit")
    expect(page.locator("#runs-body tr").first).to_contain_text("5/5")
    expect(page.locator("#exercise-progress")).to_have_text("Solved")
    assert axe_violations(page) == []

    # Keyboard: Tab indents inside the editor; Escape then Tab leaves it.
    editor.click()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('cm-content')")
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert page.evaluate("!document.activeElement.closest('.cm-editor')")
    assert page.evaluate("document.activeElement.id") == "run-button"

    # The starter code comes back; a past run opens on its own page.
    page.click("#restore-starter")
    restored = page.evaluate("document.querySelector('.cm-content').innerText")
    assert restored.strip() == STARTER.strip()
    # Dates: the run's time drawn by the script and the one the server renders share one
    # format, in the browser's time zone (remembered in a cookie for the server).
    drawn = page.locator("#runs-body tr").first.locator("time").inner_text()
    assert ONE_FORMAT.match(drawn), drawn
    page.locator("#runs-body tr").first.get_by_role("link").click()
    page.wait_for_url(re.compile(r".*/exercises/runs/\d+/$"))
    expect(page.locator("#run-summary")).to_contain_text("Passed")
    served = page.context.request.get(page.url).text()
    assert f'data-when="datetime">{drawn}</time>' in served, drawn
    assert 'data-tz="Asia/Tokyo"' in served
    assert axe_violations(page) == []
    assert problems == [], problems  # no CSP violation, no script error


def test_the_page_works_without_javascript(browser, live_url, slow_sandbox):
    slow_sandbox.delay = 0
    exercise = make_exercise()
    UserFactory(username="no-js")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, live_url, "no-js", f"/exercises/{exercise.slug}/")
        assert page.locator("#code").is_visible()
        page.fill("#code", SOLUTION)
        page.click("#submit-button")
        page.wait_for_url(re.compile(r".*/exercises/runs/\d+/$"))
        for _ in range(20):  # the page refreshes itself (meta refresh) until done
            if "Passed" in page.inner_text("#run-summary"):
                break
            page.wait_for_timeout(500)
            page.reload()
        assert "5 of 5 tests passed" in page.inner_text("#run-summary")
        assert page.locator("#test-list .test").count() == 5
    finally:
        context.close()


def test_a_lost_frame_is_noticed_and_repaired_with_sync(page, live_url, slow_sandbox):
    """Drop the second test result on its way to the browser: the page sees the seq gap,
    sends sync, and still ends with every result."""
    slow_sandbox.delay = 0.2
    slow_sandbox.gate = threading.Event()  # set by the first frame the page receives
    exercise = make_exercise()
    UserFactory(username="gappy")
    sent_by_page: list[str] = []
    dropped: list[str] = []

    def handler(ws) -> None:  # type: ignore[no-untyped-def]
        server = ws.connect_to_server()

        def from_server(message) -> None:  # type: ignore[no-untyped-def]
            slow_sandbox.gate.set()  # subscribed: the run may go on
            if '"type":"test"' in str(message) and '"index":1' in str(message) and not dropped:
                dropped.append(str(message))
                return
            ws.send(message)

        def from_page(message) -> None:  # type: ignore[no-untyped-def]
            sent_by_page.append(str(message))
            server.send(message)

        server.on_message(from_server)
        ws.on_message(from_page)

    page.route_web_socket(re.compile(r".*/ws/exercises/runs/\d+/$"), handler)
    log_in(page, live_url, "gappy", f"/exercises/{exercise.slug}/")
    expect(page.locator(".cm-content")).to_be_visible(timeout=15_000)
    page.click("#submit-button")  # the starter: every test fails
    expect(page.locator("#run-summary")).to_contain_text(
        "Failed — 0 of 5 tests passed", timeout=30_000
    )
    expect(page.locator("#test-list .test")).to_have_count(5)
    expect(page.locator("#run-progress-text")).to_have_text("5 of 5")
    assert dropped, "no frame was dropped"
    assert any('"type":"sync"' in m or '"type": "sync"' in m for m in sent_by_page), sent_by_page
