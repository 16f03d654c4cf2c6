"""Exercise fixtures and a stand-in for the sandbox.

``FakeSandbox`` has ``run_tests``'s signature and runs the tests **in this process**,
unsandboxed: it is for the tests' own trusted code only. It calls ``on_test`` as each
test finishes, like the real one, so the services' streaming is exercised; the real
sandbox has its own tests (tests/exercises/test_sandbox*.py) and one end-to-end test
here goes through it.
"""

from __future__ import annotations

import sys
import threading
import time
import types
from dataclasses import dataclass, field
from typing import Any

import pytest

from apps.exercises import services
from apps.exercises.models import Exercise
from tests.factories import LessonFactory

VISIBLE = """from solution import add


def test_adds_small_numbers():
    assert add(1, 2) == 3


def test_adds_negatives():
    assert add(-1, -2) == -3
"""
HIDDEN = """from solution import add


def test_adds_big_numbers():
    assert add(10**20, 1) == 10**20 + 1, "SECRET-EXPECTATION"


def test_adds_zero():
    assert add(0, 0) == 0


def test_adds_floats():
    assert add(0.5, 0.25) == 0.75
"""
STARTER = "def add(a, b):\n    raise NotImplementedError\n"
SOLUTION = "def add(a, b):\n    return a + b  # REFERENCE-SOLUTION\n"
WRONG = "def add(a, b):\n    return a - b if a > 5 else a + b\n"


@dataclass
class Outcome:
    name: str
    outcome: str
    duration_ms: int
    message: str
    file: str = ""


@dataclass
class Result:
    status: str
    tests: list[Outcome] = field(default_factory=list)
    output: str = ""
    duration_ms: int = 0
    reason: str = ""


class FakeSandbox:
    """Records calls; ``delay`` seconds between tests lets a browser watch them stream."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.delay = 0.0
        self.status_override: str | None = None
        self.gate: threading.Event | None = None  # when set, runs wait for it
        self.lock = threading.Lock()

    def __call__(self, *, solution: str, test_files: dict[str, str], on_test=None,
                 time_limit_s: int = 5) -> Result:  # fmt: skip
        with self.lock:
            self.calls.append({"solution": solution, "files": dict(test_files),
                               "time_limit_s": time_limit_s})  # fmt: skip
        if self.gate is not None:
            self.gate.wait(10)
        if self.status_override == "refused":
            return Result(status="refused", reason="bubblewrap cannot run here")
        if self.status_override == "crash":
            raise RuntimeError("sandbox exploded")
        started = time.monotonic()
        module = types.ModuleType("solution")
        outcomes: list[Outcome] = []
        try:
            exec(compile(solution, "solution.py", "exec"), module.__dict__)
        except Exception as exc:
            return Result(status="error", output=f"{type(exc).__name__}: {exc}",
                          reason="solution.py failed to import")  # fmt: skip
        saved = sys.modules.get("solution")
        sys.modules["solution"] = module
        try:
            for filename, source in test_files.items():
                namespace: dict[str, Any] = {}
                exec(compile(source, filename, "exec"), namespace)
                for name in services.test_names(source):
                    t0 = time.monotonic()
                    try:
                        namespace[name]()
                        outcome, message = "passed", ""
                    except AssertionError as exc:
                        outcome, message = "failed", f"AssertionError: {exc}"
                    except Exception as exc:
                        outcome, message = "error", f"{type(exc).__name__}: {exc}"
                    item = Outcome(name, outcome, int((time.monotonic() - t0) * 1000),
                                   message, file=filename)  # fmt: skip
                    outcomes.append(item)
                    if on_test is not None:
                        on_test(item)
                    if self.delay:
                        time.sleep(self.delay)
        finally:
            if saved is None:
                sys.modules.pop("solution", None)
            else:
                sys.modules["solution"] = saved
        ok = all(o.outcome == "passed" for o in outcomes)
        return Result(
            status=self.status_override or ("passed" if ok else "failed"),
            tests=outcomes,
            output="hello from stdout\n",
            duration_ms=int((time.monotonic() - started) * 1000),
            reason="" if ok else "some tests failed",
        )


@pytest.fixture
def fake_sandbox(monkeypatch) -> FakeSandbox:
    fake = FakeSandbox()
    monkeypatch.setattr(services, "sandbox_run", fake)
    return fake


@pytest.fixture
def dispatched(monkeypatch) -> list[int]:
    """Runs handed on after commit, recorded instead of executed."""
    seen: list[int] = []
    monkeypatch.setattr(services, "run_dispatch", seen.append)
    return seen


def make_exercise(lesson=None, **fields: Any) -> Exercise:
    lesson = lesson or LessonFactory()
    values: dict[str, Any] = {
        "slug": f"add-numbers-{lesson.pk}",
        "title": "Add two numbers",
        "summary": "Write add(a, b).",
        "prompt_md": "Write `add(a, b)`.\n\n<script>alert(1)</script>",
        "starter_code": STARTER,
        "solution_code": SOLUTION,
        "test_visible": VISIBLE,
        "test_hidden": HIDDEN,
        "difficulty": "easy",
        "status": "published",
        "time_limit_seconds": 3,
    }
    values.update(fields)
    exercise = Exercise(lesson=lesson, **values)
    services.exercise_render(exercise)
    exercise.save()
    return exercise


@pytest.fixture
def exercise(db) -> Exercise:
    return make_exercise()
