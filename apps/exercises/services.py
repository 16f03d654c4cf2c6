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
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

from apps.core import content_version, metrics, ratelimit
from apps.core.errors import ApplicationError, PermissionDenied
from apps.core.markdown import render_markdown
from apps.exercises import events, grading, sandbox, selectors, signals
from apps.exercises.errors import (
    BlockChanged,
    CodeTooLarge,
    IdempotencyKeyReused,
    RunInProgress,
    TooManyRuns,
)
from apps.exercises.grading import test_names
from apps.exercises.models import (
    BLOCK_FINISHED,
    FINISHED,
    IN_FLIGHT,
    MAX_CODE_BYTES,
    MAX_OUTPUT_CHARS,
    MAX_TIME_LIMIT_SECONDS,
    BlockRun,
    BlockRunStatus,
    Exercise,
    Mode,
    Run,
    RunStatus,
)

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 4000
MAX_ATTEMPTS = 2  # executions of one run (a worker lost twice on it gives up)
_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --------------------------------------------------------------------------- exercises


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


def exercise_expectations(exercise: Exercise) -> dict[str, Any] | None:
    """The exercise's stored expected observations if they are current (recorded from
    its present reference and tests), else None."""
    if not exercise.expected_json:
        return None
    try:
        expected = grading.loads_expectations(exercise.expected_json)
    except grading.ExpectationsError:
        logger.error("exercise %s: stored expectations cannot be read", exercise.slug)
        return None
    return grading.expectations_for(
        expected,
        solution=exercise.solution_code,
        visible=exercise.test_visible,
        hidden=exercise.test_hidden,
    )


def exercise_expectations_record(exercise: Exercise) -> grading.ExpectationReport:
    """Run the reference solution through the exercise's probes in the sandbox and, when
    it gives clean, repeatable values, keep them on ``exercise`` (not saved)."""
    report = grading.record_expectations(
        solution=exercise.solution_code,
        visible=exercise.test_visible,
        hidden=exercise.test_hidden,
        time_limit_s=exercise.time_limit_seconds,
    )
    if report.ok and report.expected is not None:
        exercise.expected_json = grading.dumps_expectations(report.expected)
    return report


@dataclass
class CheckReport:
    """What ``exercise_check`` found: the reference must give clean, repeatable values
    (those are the expected ones) and pass everything when graded, the stored values
    must be current, and the starter must fail at least one test (or learners would
    have nothing to do)."""

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
    """Record the reference's values afresh, compare them with the stored ones, and
    grade the reference and the starter against them, all in the sandbox."""
    report = CheckReport()
    try:
        exercise_render(exercise)
    except ValidationError as exc:
        report.problems.extend(exc.messages)
        return report
    report.visible_total = exercise.visible_test_count
    report.total = exercise.visible_test_count + exercise.hidden_test_count
    recorded = grading.record_expectations(
        solution=exercise.solution_code,
        visible=exercise.test_visible,
        hidden=exercise.test_hidden,
        time_limit_s=exercise.time_limit_seconds,
    )
    if recorded.refused:
        report.problems.append(f"The sandbox refused to run the reference: {recorded.refused}")
        return report
    report.problems.extend(recorded.problems)
    if recorded.expected is None:
        return report
    stored = exercise_expectations(exercise)
    if stored is None:
        report.problems.append(
            "The stored expected values are missing or out of date: save the exercise (or "
            "import it again) to record them."
        )
    elif grading.dumps_expectations(stored) != grading.dumps_expectations(recorded.expected):
        report.problems.append(
            "The stored expected values differ from what the reference gives now: save the "
            "exercise to record them again."
        )
    reference = _grade(exercise, exercise.solution_code, recorded.expected, submit=True)
    report.reference_passed = sum(1 for t in reference.tests if t.outcome == "passed")
    if reference.status != "passed" or report.reference_passed < report.total:
        failing = [t.name for t in reference.tests if t.outcome != "passed"]
        report.problems.append(
            f"The reference solution does not pass ({reference.status}"
            + (f": {reference.reason}" if reference.reason else "")
            + (f"; not passing: {', '.join(failing[:10])}" if failing else "")
            + ")."
        )
    starter = _grade(exercise, exercise.starter_code, recorded.expected, submit=True)
    if starter.status == "refused":
        report.problems.append(f"The sandbox refused to run the starter: {starter.reason}")
        return report
    failed = [t for t in starter.tests if t.outcome != "passed"]
    report.starter_failed = len(failed)
    report.starter_failed_visible = sum(1 for t in failed if not t.hidden)
    if report.starter_failed == 0:
        report.problems.append("The starter passes every test: learners have nothing to do.")
    return report


def _grade(exercise: Exercise, code: str, expected: dict[str, Any], *, submit: bool,
           on_test: Any = None) -> grading.GradeResult:  # fmt: skip
    return grading.grade(
        solution=code,
        visible=exercise.test_visible,
        hidden=exercise.test_hidden,
        expected=expected,
        submit=submit,
        on_test=on_test,
        time_limit_s=exercise.time_limit_seconds,
    )


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
def _admit_run(user: Any) -> None:
    """The rules every run obeys, exercise or lesson example: one run in flight per learner
    across both kinds (stale ones expired first), then the shared rate limit."""
    _expire_stale(user)
    in_flight = Run.objects.filter(user=user, status__in=IN_FLIGHT).only("id").first()
    if in_flight is not None:
        raise RunInProgress(
            "A run is already in progress: wait for it to finish.", extra={"run": in_flight.pk}
        )
    _refuse_block_in_flight(user)
    verdict = ratelimit.hit(run_limit(), str(user.pk))
    if not verdict.allowed:
        limit = run_limit()
        raise TooManyRuns(
            f"Too many runs: at most {limit.limit} every {limit.window // 60} minutes. "
            f"Try again in {verdict.retry_after} s.",
            extra={"retry_after": verdict.retry_after},
        )


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
    _check_code(code)
    exercise = selectors.exercise_get_published(slug=exercise_slug)
    _admit_run(user)
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


def embedded_runs_drain() -> None:
    """Wait for the runs this process is executing (embedded mode) to finish; the next
    run starts a fresh pool. For shutdown and tests."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)


def _execute_in_thread(run_id: int) -> None:
    close_old_connections()
    try:
        run_execute(run_id=run_id)
    except Exception:
        logger.exception("exercise run %s failed", run_id)
    finally:
        close_old_connections()


def _clean(text: str, limit: int) -> str:
    return _CONTROL.sub("", text or "")[:limit]


class _Recorder:
    """``on_test``: store each result in its own small transaction, then broadcast it.
    Names, outcomes and whether a test is hidden come from the grader (outside the
    sandbox); a hidden test's message is never stored."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.entries: list[dict[str, Any]] = []

    @staticmethod
    def entry(outcome: grading.TestOutcome) -> dict[str, Any]:
        hidden = bool(outcome.hidden)
        return {
            "name": _clean(outcome.name, 200),
            "outcome": outcome.outcome if outcome.outcome in RunStatus.values else "error",
            "duration_ms": max(int(outcome.duration_ms or 0), 0),
            "message": "" if hidden else grading.clean(outcome.message, MAX_MESSAGE_CHARS),
            "hidden": hidden,
        }

    def __call__(self, outcome: grading.TestOutcome) -> None:
        entry = self.entry(outcome)
        self.entries.append(entry)
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
        if run.attempts == 1:  # a retry's wait is not the queue's
            metrics.exercise_queue_wait.observe(
                max((run.started_at - run.queued_at).total_seconds(), 0.0)
            )
        run.tests, run.passed = [], 0  # a restart after a lost worker starts afresh
        run.total = _expected_total(run.exercise, run.mode)
        run.seq += 1
        run.save(
            update_fields=["status", "attempts", "started_at", "tests", "passed", "total", "seq"]
        )
        events.run_status(run)
        signals.send_after_commit(signals.run_started, run_id=run.pk)
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
    signals.send_after_commit(signals.run_finished, run_id=run.pk)
    metrics.exercise_runs.labels(status).inc()
    if status == RunStatus.REFUSED:
        metrics.exercise_sandbox_refusals.inc()
    if run.started_at is not None:
        metrics.exercise_run_duration.labels(status).observe(
            max((run.finished_at - run.started_at).total_seconds(), 0.0)
        )
    return run


def run_execute(*, run_id: int) -> Run:
    """Execute a queued run in the sandbox and grade it (the ``exercises.run`` task's
    body). The verdict comes from ``apps.exercises.grading``: the learner's process only
    reports values, compared here with the reference's."""
    run = _start(run_id)
    if run is None:
        return Run.objects.get(pk=run_id)
    exercise = run.exercise
    expected = exercise_expectations(exercise)
    if expected is None:
        logger.error("exercise %s has no current expected values: run %s refused",
                     exercise.slug, run.pk)  # fmt: skip
        with transaction.atomic():
            return _finish(
                run,
                status=RunStatus.REFUSED,
                reason="This exercise is being updated (its expected results are not "
                "recorded yet). Please try again later.",
            )
    recorder = _Recorder(run)
    try:
        result = _grade(
            exercise, run.code, expected, submit=run.mode == Mode.SUBMIT, on_test=recorder
        )
    except Exception:
        logger.exception("the sandbox failed on run %s", run.pk)
        with transaction.atomic():
            return _finish(
                run,
                status=RunStatus.ERROR,
                reason="The checker failed; this is not your code's fault. Please try again.",
            )
    run.tests = list(recorder.entries)
    status = result.status if result.status in RunStatus.values else RunStatus.ERROR
    reason = str(result.reason or "")
    passed = sum(1 for e in run.tests if e["outcome"] == "passed")
    expected_total = _expected_total(exercise, run.mode)
    if status == RunStatus.PASSED and (
        not run.tests or passed < len(run.tests) or len(run.tests) < expected_total
    ):
        status, reason = RunStatus.FAILED, reason or "Not every test passed."
    run.total = max(expected_total, len(run.tests))
    with transaction.atomic():
        return _finish(
            run,
            status=status,
            reason=reason,
            output=str(result.output or ""),
            duration_ms=max(int(result.duration_ms or 0), 0),
        )


# --------------------------------------------------------------------------- lesson examples
# A lesson's runnable example (```python run) runs through the same pipeline as an
# exercise's code: the same sandbox and limits, the same queue (or embedded pool), the
# same rate limit (``run_limit()``) and one run in flight per learner, counting both
# kinds. Only the learner's latest run of each example is kept (one ``BlockRun`` row per
# learner × lesson × block, overwritten).

BLOCK_STREAM_INTERVAL = 0.25  # seconds between two stored (and broadcast) output updates


def program_runner(**kwargs: Any) -> sandbox.PhaseResult:
    """What runs an example's program (the sandbox; tests may stand in for it)."""
    return sandbox.run_program(**kwargs)


def _refuse_block_in_flight(user: Any) -> None:
    cutoff = timezone.now() - timedelta(seconds=settings.EXERCISES_STALE_SECONDS)
    for stale in BlockRun.objects.select_for_update().filter(
        user=user, status__in=IN_FLIGHT, queued_at__lt=cutoff
    ):
        _block_finish(
            stale,
            status=BlockRunStatus.ERROR,
            reason="The run was lost before it finished; please run it again.",
        )
    in_flight = BlockRun.objects.filter(user=user, status__in=IN_FLIGHT).only("id").first()
    if in_flight is not None:
        raise RunInProgress(
            "A run is already in progress: wait for it to finish.",
            extra={"block_run": in_flight.pk},
        )


def _check_code(code: str) -> None:
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


@transaction.atomic
def block_run_create(
    *,
    user: Any,
    course_slug: str,
    module_slug: str,
    lesson_slug: str,
    block: int,
    key: str,
    code: str | None = None,
    block_hash: str | None = None,
) -> BlockRun:
    """Queue a run of a published lesson's runnable example ``block``: the author's code
    (``code`` None) or the learner's edit of it. ``block_hash``, when sent, must be the
    block's current hash (the page was not left open across a content change). The same
    ``key`` again returns the run it created. The learner's previous run of this block
    is overwritten."""
    from apps.courses import selectors as course_selectors

    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Log in to run code.")
    if not isinstance(key, str) or not _KEY.match(key):
        raise ApplicationError(
            "The key must be 8 to 64 letters, digits or . _ : - (a UUID will do).",
            extra={"key": ["Invalid idempotency key."]},
        )
    lesson = course_selectors.lesson_get_published(
        course_slug=course_slug, module_slug=module_slug, lesson_slug=lesson_slug
    )
    entry = selectors.lesson_block_get(lesson=lesson, block=block)
    if block_hash and block_hash != entry["hash"]:
        raise BlockChanged(
            "This example has changed since the page was loaded: reload the page.",
            extra={"block_hash": entry["hash"]},
        )
    source = entry["code"] if code is None else code
    _check_code(source)
    existing = (
        BlockRun.objects.select_for_update().filter(user=user, lesson=lesson, block=block).first()
    )
    if existing is not None and existing.key == key:
        if existing.code != source:
            raise IdempotencyKeyReused("This key was already used for a different run.")
        return existing
    _admit_run(user)
    run = existing or BlockRun(user=user, lesson=lesson, block=block)
    run.block_hash = entry["hash"]
    run.key = key
    run.code = source
    run.edited = source != entry["code"]
    run.status = BlockRunStatus.QUEUED
    run.seq = (run.seq or 0) + 1
    run.output, run.reason, run.exit_code, run.duration_ms = "", "", None, None
    run.attempts = 0
    run.queued_at = timezone.now()
    run.started_at = run.finished_at = None
    try:
        with transaction.atomic():
            run.save()
    except IntegrityError:
        raise RunInProgress("A run is already in progress: wait for it to finish.") from None
    run_id = run.pk
    transaction.on_commit(lambda: block_run_dispatch(run_id))
    return run


def block_run_dispatch(run_id: int) -> None:
    """As ``run_dispatch``: the ``exercises`` queue, or this process's pool (embedded)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        _embedded_pool().submit(_execute_block_in_thread, run_id)
        return
    from apps.exercises.tasks import block_run_task

    block_run_task.apply_async(args=(run_id,))


def _execute_block_in_thread(run_id: int) -> None:
    close_old_connections()
    try:
        block_run_execute(run_id=run_id)
    except Exception:
        logger.exception("lesson example run %s failed", run_id)
    finally:
        close_old_connections()


def _block_finish(
    run: BlockRun,
    *,
    status: str,
    reason: str = "",
    output: str | None = None,
    exit_code: int | None = None,
    duration_ms: int | None = None,
) -> BlockRun:
    run.status = status
    run.reason = _clean(reason, 2000)
    if output is not None:
        run.output = _clean(output, MAX_OUTPUT_CHARS)
    run.exit_code = exit_code
    run.duration_ms = duration_ms
    run.finished_at = timezone.now()
    run.seq += 1
    run.save(
        update_fields=[
            "status", "reason", "output", "exit_code", "duration_ms", "finished_at", "seq",
        ]
    )  # fmt: skip
    events.block_run_done(run)
    return run


def _block_start(run_id: int) -> BlockRun | None:
    with transaction.atomic():
        run = BlockRun.objects.select_for_update().get(pk=run_id)
        if run.status in BLOCK_FINISHED:
            return None
        if run.attempts >= MAX_ATTEMPTS:
            _block_finish(
                run,
                status=BlockRunStatus.ERROR,
                reason="The runner stopped twice while running this code; it was not retried.",
            )
            return None
        run.status = BlockRunStatus.RUNNING
        run.attempts += 1
        run.started_at = timezone.now()
        run.output = ""
        run.seq += 1
        run.save(update_fields=["status", "attempts", "started_at", "output", "seq"])
        events.block_run_status(run)
        return run


class _OutputStreamer:
    """``on_output``: store what the program printed so far and broadcast it, at most
    every ``BLOCK_STREAM_INTERVAL`` seconds (the final save stores all of it)."""

    def __init__(self, run: BlockRun) -> None:
        self.run = run
        self.last = 0.0

    def __call__(self, raw: bytes) -> None:
        now = time.monotonic()
        if now - self.last < BLOCK_STREAM_INTERVAL:
            return
        self.last = now
        run = self.run
        text, _ = sandbox.clean_output(raw, MAX_OUTPUT_CHARS)
        run.output = _clean(text, MAX_OUTPUT_CHARS)
        run.seq += 1
        try:
            with transaction.atomic():
                BlockRun.objects.filter(pk=run.pk).update(output=run.output, seq=run.seq)
                events.block_run_output(run)
        except Exception:
            logger.exception("storing the output of lesson example run %s failed", run.pk)


def block_outcome(result: sandbox.PhaseResult, limits: sandbox.Limits) -> tuple[str, str]:
    """A program's status and reason, from how it ended (shared with ``--check``)."""
    if result.status == "refused":
        return BlockRunStatus.REFUSED, result.reason
    if result.killed_for == "wall":
        return BlockRunStatus.TIMEOUT, f"Stopped after {limits.wall_seconds:g} s (the time limit)."
    code = result.returncode
    if code in (-signal.SIGXCPU, -signal.SIGKILL, 128 + signal.SIGXCPU, 128 + signal.SIGKILL):
        return BlockRunStatus.TIMEOUT, f"CPU time limit reached ({limits.cpu_seconds} s)."
    if result.killed_for == "output":
        return (
            BlockRunStatus.FAILED,
            f"Stopped: it printed more than {limits.output_bytes // 1024} KB.",
        )
    if result.killed_for:
        return BlockRunStatus.FAILED, "Stopped by the sandbox."
    if code == 0:
        return BlockRunStatus.DONE, ""
    return BlockRunStatus.FAILED, f"Exited with status {code}."


def block_run_execute(*, run_id: int) -> BlockRun:
    """Run a queued example in the sandbox, streaming its output (the
    ``exercises.block_run`` task's body; idempotent like ``run_execute``)."""
    run = _block_start(run_id)
    if run is None:
        return BlockRun.objects.get(pk=run_id)
    limits = sandbox.Limits()
    try:
        result = program_runner(code=run.code, limits=limits, on_output=_OutputStreamer(run))
    except Exception:
        logger.exception("the sandbox failed on lesson example run %s", run.pk)
        with transaction.atomic():
            return _block_finish(
                run,
                status=BlockRunStatus.ERROR,
                reason="The runner failed; this is not your code's fault. Please try again.",
            )
    status, reason = block_outcome(result, limits)
    output = str(result.output or "")
    if result.truncated:
        output += "\n[output truncated]"
    with transaction.atomic():
        return _block_finish(
            run,
            status=status,
            reason=reason,
            output=output,
            exit_code=result.returncode if result.status == "ran" else None,
            duration_ms=max(int(result.duration_ms or 0), 0),
        )
