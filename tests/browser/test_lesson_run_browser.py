"""A runnable example in a lesson, in a real browser: Run streams the output under the
block over the websocket, Edit opens the exercises' editor, an edit runs, Reset brings
the author's code back; no CSP violation, axe clean."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from apps.courses.services import lesson_render
from apps.exercises import sandbox
from apps.exercises import services as exercise_services
from tests.browser.test_exercises_browser import log_in
from tests.conftest import axe_violations
from tests.factories import LessonFactory, UserFactory

pytestmark = pytest.mark.browser

BODY = "## Try it\n\n```python run\nprint('first line')\nprint('second line')\n```\n"


class SteppedProgram:
    """Stands in for the sandbox: prints its first line, waits until released, then
    finishes, so a test sees output arrive while the run is still going."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.release = threading.Event()

    def __call__(self, *, code: str, limits=None, on_output=None) -> sandbox.PhaseResult:
        self.calls.append(code)
        lines = [line for line in code.splitlines() if line.strip()]
        if on_output is not None:
            on_output(f"{lines[0]}\n".encode())
        self.release.wait(30)
        return sandbox.PhaseResult(status="ran", output="".join(f"{ln}\n" for ln in lines),
                                   returncode=0)  # fmt: skip


@pytest.fixture
def program(monkeypatch, settings) -> Iterator[SteppedProgram]:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    fake = SteppedProgram()
    monkeypatch.setattr(exercise_services, "program_runner", fake)
    monkeypatch.setattr(exercise_services, "BLOCK_STREAM_INTERVAL", 0)
    yield fake
    fake.release.set()
    exercise_services.embedded_runs_drain()


def test_run_edit_and_reset_an_example(page, live_url, program):
    lesson = LessonFactory(body_md=BODY)
    lesson_render(lesson)
    lesson.save()
    UserFactory(username="reader")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    log_in(page, live_url, "reader", lesson.get_absolute_url())

    output = page.locator("#run-output-0 pre")
    page.get_by_role("button", name="Run example 1").click()
    expect(output).to_have_text("print('first line')\n", timeout=30_000)  # streamed, mid-run
    expect(page.locator(".run-block-status")).to_have_text("Running…")
    program.release.set()
    expect(page.locator(".run-block-status")).to_contain_text("Finished (exit status 0)")
    expect(output).to_contain_text("second line")
    assert axe_violations(page) == []

    page.get_by_role("button", name="Edit example 1").click()
    editor = page.locator(".run-block .cm-content")
    expect(editor).to_be_visible(timeout=15_000)
    page.keyboard.press("Control+A")
    page.keyboard.insert_text("print('my edit')\n")
    page.get_by_role("button", name="Run example 1").click()
    expect(page.locator(".run-block-status")).to_contain_text("Finished", timeout=30_000)
    assert program.calls[-1] == "print('my edit')\n"
    expect(output).to_have_text("print('my edit')\n")

    page.get_by_role("button", name="Reset example 1 to the author's code").click()
    restored = page.evaluate("document.querySelector('.run-block .cm-content').innerText")
    assert restored.strip() == "print('first line')\nprint('second line')"
    assert axe_violations(page) == []
    assert problems == [], problems
