"""Exercise fixtures and a stand-in for the sandbox.

``FakeSandbox`` has ``sandbox.run_phase``'s signature and runs the probes **in this
process**, unsandboxed: it is for the tests' own trusted code only. The grader
(``apps.exercises.grading``) judges its records exactly as it judges the sandbox's, so
the services' grading and streaming are exercised; the real sandbox has its own tests
(tests/exercises/test_sandbox.py, test_forgery.py) and end-to-end tests go through it.
"""

from __future__ import annotations

import sys
import threading
import time
import types
from typing import Any

import pytest

from apps.exercises import grading, harness, probes, services
from apps.exercises.models import Exercise
from apps.exercises.sandbox import Limits, PhaseResult
from tests.factories import LessonFactory

VISIBLE = """from solution import add


def test_adds_small_numbers(check):
    check("add(1, 2)", add(1, 2))


def test_adds_negatives(check):
    check("add(-1, -2)", add(-1, -2))
"""
HIDDEN = """from solution import add


def test_adds_big_numbers(check):
    check("SECRET-EXPECTATION add(10**20, 1)", add(10**20, 1))


def test_adds_zero(check):
    check("add(zero, zero)", add(0, 0))


def test_adds_floats(check):
    check("add(0.5, 0.25)", add(0.5, 0.25))
"""
STARTER = "def add(a, b):\n    raise NotImplementedError\n"
SOLUTION = "def add(a, b):\n    return a + b  # REFERENCE-SOLUTION\n"
WRONG = "def add(a, b):\n    return a - b if a > 5 else a + b\n"


class FakeSandbox:
    """Stands in for ``sandbox.run_phase`` (``grading.phase_runner``): runs the probes in
    this process and hands each record to the grader, which judges it as it would the
    sandbox's. Records calls; ``delay`` seconds between tests lets a browser watch them
    stream; ``gate`` holds runs until it is set; ``step`` (a semaphore) holds a run after
    each of its tests but the last until released once, so a test sees a run midway
    however slow the machine is."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.delay = 0.0
        self.status_override: str | None = None
        self.gate: threading.Event | None = None
        self.step: threading.Semaphore | None = None
        self.lock = threading.Lock()

    def __call__(self, *, solution: str, module_file: str, source: str, tests: list[str],
                 on_record=None, limits: Limits | None = None,
                 keep_output: bool = True) -> PhaseResult:  # fmt: skip
        with self.lock:
            self.calls.append({"solution": solution, "module_file": module_file,
                               "tests": list(tests), "limits": limits,
                               "keep_output": keep_output})  # fmt: skip
        if self.gate is not None:
            self.gate.wait(30)
        if self.status_override == "refused":
            return PhaseResult(status="refused", reason="bubblewrap cannot run here")
        if self.status_override == "crash":
            raise RuntimeError("sandbox exploded")
        started = time.monotonic()
        records: list[dict[str, Any]] = []

        def report(record: dict[str, Any]) -> bool:
            records.append(record)
            return on_record is None or on_record(record) is not False

        module = types.ModuleType("solution")
        try:
            exec(compile(solution, "solution.py", "exec"), module.__dict__)
        except Exception as exc:
            report({"event": "import", "error": f"Your code did not load: {type(exc).__name__}"})
            return PhaseResult(status="ran", records=records, returncode=0)
        saved = sys.modules.get("solution")
        sys.modules["solution"] = module
        sys.modules.setdefault("probes", probes)
        try:
            namespace: dict[str, Any] = {}
            exec(compile(source, module_file, "exec"), namespace)
            for number, name in enumerate(tests, start=1):
                check = harness.Check()
                t0 = time.monotonic()
                record: dict[str, Any] = {"event": "test", "test": name}
                try:
                    namespace[name](check)
                except Exception as exc:
                    record["error"] = f"{type(exc).__name__}: {exc}"
                record["obs"] = check.observations
                record["ms"] = int((time.monotonic() - t0) * 1000)
                if not report(record):
                    break
                if self.delay:
                    time.sleep(self.delay)
                if self.step is not None and number < len(tests):
                    self.step.acquire(timeout=30)
        finally:
            if saved is None:
                sys.modules.pop("solution", None)
            else:
                sys.modules["solution"] = saved
        return PhaseResult(
            status="ran",
            records=records,
            output="hello from stdout\n" if keep_output else "",
            returncode=0,
            duration_ms=int((time.monotonic() - started) * 1000),
        )


@pytest.fixture
def fake_sandbox(monkeypatch) -> FakeSandbox:
    fake = FakeSandbox()
    monkeypatch.setattr(grading, "phase_runner", fake)
    return fake


@pytest.fixture
def dispatched(monkeypatch) -> list[int]:
    """Runs handed on after commit, recorded instead of executed."""
    seen: list[int] = []
    monkeypatch.setattr(services, "run_dispatch", seen.append)
    return seen


def record_in_process(exercise: Exercise) -> None:
    """Record the exercise's expected values with the reference run in this process
    (trusted test code), as saving it in the admin does in the sandbox."""
    saved = grading.phase_runner
    grading.phase_runner = FakeSandbox()  # type: ignore[assignment]
    try:
        report = services.exercise_expectations_record(exercise)
    finally:
        grading.phase_runner = saved  # type: ignore[assignment]
    assert report.ok, report.problems


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
    record_in_process(exercise)
    exercise.save()
    return exercise


@pytest.fixture
def exercise(db) -> Exercise:
    return make_exercise()
