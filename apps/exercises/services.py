"""Exercise writes: rendering and checking exercises, creating and executing runs.

Every surface calls these: the pages, REST, GraphQL, the Celery task, the admin.

* ``run_create`` validates and stores a run, then hands it on after commit (to the
  ``exercises`` Celery queue; in embedded mode to a small thread pool of this process,
  so results still stream to the websocket while the request has long returned).
* ``run_execute`` is the task's body. It is idempotent (a finished run is never run
  again) and, unlike the other services, not one transaction: each test result commits
  its own small update and is broadcast after that commit, so results stream.
* A learner has at most one run queued or running (a partial unique index says so
  too); with that, the FIFO queue is fair between learners.
"""

from __future__ import annotations

import ast
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

from apps.core import content_version, ratelimit
from apps.core.errors import ApplicationError, PermissionDenied
from apps.core.markdown import render_markdown
from apps.exercises import events, selectors
from apps.exercises.errors import CodeTooLarge, IdempotencyKeyReused, RunInProgress, TooManyRuns
from apps.exercises.models import (
    FINISHED,
    IN_FLIGHT,
    MAX_CODE_BYTES,
    MAX_OUTPUT_CHARS,
    MAX_TIME_LIMIT_SECONDS,
    Exercise,
    Mode,
    Run,
    RunStatus,
)

logger = logging.getLogger(__name__)

VISIBLE_FILE = "test_visible.py"
HIDDEN_FILE = "test_hidden.py"
MAX_MESSAGE_CHARS = 4000
MAX_ATTEMPTS = 2  # executions of one run (a worker lost twice on it gives up)
_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --------------------------------------------------------------------------- exercises


def test_names(source: str) -> list[str]:
    """The tests the sandbox's harness runs from ``source`` (parsed, never run): the
    module's own top-level ``test_*`` functions, in order."""
    tree = ast.parse(source)
    names = [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    ]
    return list(dict.fromkeys(names))  # a redefinition replaces the earlier function


def exercise_render(exercise: Exercise) -> None:
    """Validate an exercise and fill what is derived from it (not saved): the prompt's
    sanitised HTML and the test counts. Raises ``ValidationError`` naming the problem."""
    errors: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    for field_name, label, required in (
        ("test_visible", "visible tests", True),
        ("test_hidden", "hidden tests", False),
    ):
        source = getattr(exercise, field_name) or ""
        if not source.strip():
            if required:
                errors[field_name] = [f"The {label} are missing."]
            counts[field_name] = 0
            continue
        try:
            names = test_names(source)
        except SyntaxError as exc:
            errors[field_name] = [f"The {label} are not valid Python (line {exc.lineno})."]
            continue
        if not names:
            errors[field_name] = [f"The {label} define no test function (def test_…)."]
        counts[field_name] = len(names)
    for field_name, label in (("solution_code", "reference solution"), ("starter_code", "starter")):
        try:
            ast.parse(getattr(exercise, field_name) or "")
        except SyntaxError as exc:
            errors[field_name] = [f"The {label} is not valid Python (line {exc.lineno})."]
    if not 1 <= (exercise.time_limit_seconds or 0) <= MAX_TIME_LIMIT_SECONDS:
        errors["time_limit_seconds"] = [f"From 1 to {MAX_TIME_LIMIT_SECONDS} seconds."]
    if errors:
        raise ValidationError(errors)
    exercise.prompt_html = render_markdown(exercise.prompt_md).html
    exercise.visible_test_count = counts.get("test_visible", 0)
    exercise.hidden_test_count = counts.get("test_hidden", 0)


@transaction.atomic
def exercise_content_changed() -> None:
    """After an author edits an exercise: cached pages (lessons list them) go stale."""
    content_version.bump()


@dataclass
class CheckReport:
    """What ``exercise_check`` found: the reference must pass everything, the starter must
    fail at least one test (or learners would have nothing to do)."""

    reference_passed: int = 0
    total: int = 0
    starter_failed: int = 0
    starter_failed_visible: int = 0
    visible_total: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def summary(self) -> str:
        text = (
            f"reference passes {self.reference_passed}/{self.total}; starter fails "
            f"{self.starter_failed_visible}/{self.visible_total} visible "
            f"({self.starter_failed}/{self.total} in all)"
        )
        return text if self.ok else f"{text}. Problems: {' '.join(self.problems)}"


def exercise_check(exercise: Exercise) -> CheckReport:
    """Run the reference solution and the starter against every test, in the sandbox."""
    report = CheckReport()
    try:
        exercise_render(exercise)
    except ValidationError as exc:
        report.problems.extend(exc.messages)
        return report
    files = _test_files(exercise, Mode.SUBMIT)
    visible = set(test_names(exercise.test_visible))
    report.visible_total = len(visible)
    report.total = exercise.visible_test_count + exercise.hidden_test_count
    reference = sandbox_run(
        solution=exercise.solution_code,
        test_files=files,
        on_test=None,
        time_limit_s=exercise.time_limit_seconds,
    )
    report.reference_passed = sum(1 for t in reference.tests if t.outcome == "passed")
    if reference.status != "passed" or report.reference_passed < report.total:
        failing = [t.name for t in reference.tests if t.outcome != "passed"]
        report.problems.append(
            f"The reference solution does not pass ({reference.status}"
            + (f": {reference.reason}" if reference.reason else "")
            + (f"; not passing: {', '.join(failing[:10])}" if failing else "")
            + ")."
        )
    starter = sandbox_run(
        solution=exercise.starter_code,
        test_files=files,
        on_test=None,
        time_limit_s=exercise.time_limit_seconds,
    )
    if starter.status == "refused":
        report.problems.append(f"The sandbox refused to run the starter: {starter.reason}")
        return report
    if starter.tests:
        failed = [t for t in starter.tests if t.outcome != "passed"]
        report.starter_failed = len(failed)
        report.starter_failed_visible = sum(
            1 for t in failed if not _is_hidden(t.name, visible, getattr(t, "file", ""))
        )
    elif starter.status != "passed":  # nothing collected (say, an import error): all fail
        report.starter_failed, report.starter_failed_visible = report.total, len(visible)
    if report.starter_failed == 0:
        report.problems.append("The starter passes every test: learners have nothing to do.")
    return report


# --------------------------------------------------------------------------- runs


def run_limit() -> ratelimit.Limit:
    return ratelimit.Limit(
        "exercise-runs", settings.EXERCISES_RUN_LIMIT, settings.EXERCISES_RUN_WINDOW
    )


def _expected_total(exercise: Exercise, mode: str) -> int:
    hidden = exercise.hidden_test_count if mode == Mode.SUBMIT else 0
    return exercise.visible_test_count + hidden


def _same_request(run: Run, exercise_slug: str, code: str, mode: str) -> bool:
    return run.exercise.slug == exercise_slug and run.mode == mode and run.code == code


def _expire_stale(user: Any) -> None:
    """Give up a run left queued or running for too long (its task was lost)."""
    cutoff = timezone.now() - timedelta(seconds=settings.EXERCISES_STALE_SECONDS)
    for run in Run.objects.select_for_update().filter(
        user=user, status__in=IN_FLIGHT, queued_at__lt=cutoff
    ):
        _finish(
            run,
            status=RunStatus.ERROR,
            reason="The run was lost before it finished; please run it again.",
        )


@transaction.atomic
def run_create(*, user: Any, exercise_slug: str, code: str, mode: str, key: str) -> Run:
    """Queue a run of ``code`` against an exercise's visible tests (``run``) or all of
    them (``submit``). Sending the same ``key`` again returns the run it created."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Log in to run code.")
    if not isinstance(key, str) or not _KEY.match(key):
        raise ApplicationError(
            "The key must be 8 to 64 letters, digits or . _ : - (a UUID will do).",
            extra={"key": ["Invalid idempotency key."]},
        )
    existing = Run.objects.select_related("exercise").filter(user=user, key=key).first()
    if existing is not None:
        if not _same_request(existing, exercise_slug, code, mode):
            raise IdempotencyKeyReused("This key was already used for a different run.")
        return existing
    if mode not in Mode.values:
        raise ApplicationError(
            "The mode must be run or submit.", extra={"mode": ["Not run or submit."]}
        )
    size = len(code.encode("utf-8", "surrogatepass"))
    if size > MAX_CODE_BYTES:
        raise CodeTooLarge(
            f"Code is limited to {MAX_CODE_BYTES // 1024} KB; this is {size:,} bytes.",
            extra={"code": [f"At most {MAX_CODE_BYTES} bytes."]},
        )
    if "\x00" in code:
        raise ApplicationError(
            "Code may not contain NUL characters.", extra={"code": ["Contains NUL."]}
        )
    exercise = selectors.exercise_get_published(slug=exercise_slug)
    _expire_stale(user)
    in_flight = Run.objects.filter(user=user, status__in=IN_FLIGHT).only("id").first()
    if in_flight is not None:
        raise RunInProgress(
            "A run is already in progress: wait for it to finish.", extra={"run": in_flight.pk}
        )
    verdict = ratelimit.hit(run_limit(), str(user.pk))
    if not verdict.allowed:
        limit = run_limit()
        raise TooManyRuns(
            f"Too many runs: at most {limit.limit} every {limit.window // 60} minutes. "
            f"Try again in {verdict.retry_after} s.",
            extra={"retry_after": verdict.retry_after},
        )
    try:
        with transaction.atomic():
            run = Run.objects.create(
                user=user,
                exercise=exercise,
                mode=mode,
                key=key,
                code=code,
                total=_expected_total(exercise, mode),
                queued_at=timezone.now(),
            )
    except IntegrityError:
        # A concurrent request won: the same key (return its run) or another run.
        existing = Run.objects.select_related("exercise").filter(user=user, key=key).first()
        if existing is not None and _same_request(existing, exercise_slug, code, mode):
            return existing
        raise RunInProgress("A run is already in progress: wait for it to finish.") from None
    run_id = run.pk
    transaction.on_commit(lambda: run_dispatch(run_id))
    return run


def run_dispatch(run_id: int) -> None:
    """Hand a committed run to what executes runs: the ``exercises`` Celery queue, or in
    embedded mode (tasks run inline) a small pool of threads in this process, so the
    request returns at once and results stream to the websocket as they come."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        _embedded_pool().submit(_execute_in_thread, run_id)
        return
    from apps.exercises.tasks import run_task

    run_task.apply_async(args=(run_id,))


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _embedded_pool() -> ThreadPoolExecutor:
    global _pool  # noqa: PLW0603
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=max(1, settings.EXERCISES_EMBEDDED_WORKERS),
                thread_name_prefix="exercise-run",
            )
        return _pool


def _execute_in_thread(run_id: int) -> None:
    close_old_connections()
    try:
        run_execute(run_id=run_id)
    except Exception:
        logger.exception("exercise run %s failed", run_id)
    finally:
        close_old_connections()


def sandbox_run(**kwargs: Any) -> Any:
    """The sandbox's ``run_tests`` (imported when first needed)."""
    from apps.exercises import sandbox

    return sandbox.run_tests(**kwargs)


def _test_files(exercise: Exercise, mode: str) -> dict[str, str]:
    files = {VISIBLE_FILE: exercise.test_visible}
    if mode == Mode.SUBMIT and exercise.test_hidden.strip():
        files[HIDDEN_FILE] = exercise.test_hidden
    return files


def _is_hidden(name: str, visible: set[str], file: str = "") -> bool:
    """Whether a reported test is hidden. Unsure means hidden: a test is shown by name
    only when it comes from the visible file."""
    if file:
        return file != VISIBLE_FILE
    if name == "test_visible (loading)":  # the visible file itself failed to load
        return False
    where, bare = "", name
    for separator in ("::", "."):
        if separator in bare:
            where, _, bare = bare.rpartition(separator)
            break
    if where and "test_visible" not in where:
        return True
    return bare.split("[", 1)[0] not in visible


def _clean(text: str, limit: int) -> str:
    return _CONTROL.sub("", text or "")[:limit]


class _Recorder:
    """``on_test``: store each result in its own small transaction, then broadcast it."""

    def __init__(self, run: Run, visible: set[str]) -> None:
        self.run = run
        self.visible = visible
        self.entries: list[dict[str, Any]] = []
        self.by_name: dict[tuple[str, str], dict[str, Any]] = {}
        self.hidden_count = 0

    def entry(self, outcome: Any) -> dict[str, Any]:
        name, file = str(outcome.name), str(getattr(outcome, "file", "") or "")
        if (file, name) in self.by_name:
            return self.by_name[(file, name)]
        hidden = _is_hidden(name, self.visible, file)
        if hidden:
            self.hidden_count += 1
        value = outcome.outcome if outcome.outcome in RunStatus.values else "error"
        entry = {
            "name": f"hidden test {self.hidden_count}" if hidden else _clean(name, 200),
            "outcome": value,
            "duration_ms": max(int(outcome.duration_ms or 0), 0),
            # A hidden test's message would show its asserts (expected values): never sent.
            "message": "" if hidden else _clean(str(outcome.message or ""), MAX_MESSAGE_CHARS),
            "hidden": hidden,
        }
        self.by_name[(file, name)] = entry
        self.entries.append(entry)
        return entry

    def __call__(self, outcome: Any) -> None:
        if (str(getattr(outcome, "file", "") or ""), str(outcome.name)) in self.by_name:
            return
        entry = self.entry(outcome)
        run = self.run
        run.tests = list(self.entries)
        run.passed = sum(1 for e in self.entries if e["outcome"] == "passed")
        run.total = max(run.total, len(self.entries))
        run.seq += 1
        try:
            with transaction.atomic():
                Run.objects.filter(pk=run.pk).update(
                    tests=run.tests, passed=run.passed, total=run.total, seq=run.seq
                )
                events.test_finished(run, index=len(self.entries) - 1, entry=entry)
        except Exception:  # the final save stores every result anyway
            logger.exception("storing a test result of run %s failed", run.pk)


def _start(run_id: int) -> Run | None:
    """Mark the run running (None when it has already finished: nothing to do)."""
    with transaction.atomic():
        run = Run.objects.select_for_update().select_related("exercise").get(pk=run_id)
        if run.status in FINISHED:
            return None
        if run.attempts >= MAX_ATTEMPTS:
            _finish(
                run,
                status=RunStatus.ERROR,
                reason="The checker stopped twice while running this code; it was not retried.",
            )
            return None
        run.status = RunStatus.RUNNING
        run.attempts += 1
        run.started_at = timezone.now()
        run.tests, run.passed = [], 0  # a restart after a lost worker starts afresh
        run.total = _expected_total(run.exercise, run.mode)
        run.seq += 1
        run.save(
            update_fields=["status", "attempts", "started_at", "tests", "passed", "total", "seq"]
        )
        events.run_status(run)
        return run


def _finish(run: Run, *, status: str, reason: str = "", output: str = "",
            duration_ms: int | None = None) -> Run:  # fmt: skip
    run.status = status
    run.reason = _clean(reason, 2000)
    run.output = _clean(output, MAX_OUTPUT_CHARS)
    run.duration_ms = duration_ms
    run.finished_at = timezone.now()
    run.passed = sum(1 for e in run.tests if e["outcome"] == "passed")
    run.seq += 1
    run.save(
        update_fields=[
            "status", "reason", "output", "duration_ms", "finished_at", "tests", "passed",
            "total", "seq",
        ]
    )  # fmt: skip
    events.run_done(run)
    return run


def run_execute(*, run_id: int) -> Run:
    """Execute a queued run in the sandbox (the ``exercises.run`` task's body)."""
    run = _start(run_id)
    if run is None:
        return Run.objects.get(pk=run_id)
    exercise = run.exercise
    visible = set(test_names(exercise.test_visible))
    recorder = _Recorder(run, visible)
    try:
        result = sandbox_run(
            solution=run.code,
            test_files=_test_files(exercise, run.mode),
            on_test=recorder,
            time_limit_s=exercise.time_limit_seconds,
        )
    except Exception:
        logger.exception("the sandbox failed on run %s", run.pk)
        with transaction.atomic():
            return _finish(
                run,
                status=RunStatus.ERROR,
                reason="The checker failed; this is not your code's fault. Please try again.",
            )
    for outcome in result.tests:  # results on_test missed, if any
        recorder.entry(outcome)
    run.tests = list(recorder.entries)
    status = result.status if result.status in RunStatus.values else RunStatus.ERROR
    reason = str(result.reason or "")
    passed = sum(1 for e in run.tests if e["outcome"] == "passed")
    expected = run.total
    if status == RunStatus.PASSED and (not run.tests or passed < len(run.tests)):
        status, reason = RunStatus.ERROR, reason or "The tests did not all report."
    elif status == RunStatus.PASSED and len(run.tests) < expected:
        status = RunStatus.FAILED
        reason = f"Only {len(run.tests)} of {expected} tests ran."
    elif status == RunStatus.FAILED and not reason:
        failed = len(run.tests) - passed
        reason = f"{failed} of {len(run.tests)} test{'s' if len(run.tests) != 1 else ''} failed."
    if status in (RunStatus.PASSED, RunStatus.FAILED):
        run.total = len(run.tests)
    else:
        run.total = max(expected, len(run.tests))
    with transaction.atomic():
        return _finish(
            run,
            status=status,
            reason=reason,
            output=str(result.output or ""),
            duration_ms=max(int(result.duration_ms or 0), 0),
        )
