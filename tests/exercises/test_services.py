"""Exercise services: rendering, checking, creating runs (limits, idempotency, one in
flight) and executing them (streamed, committed result by result, hidden tests kept
hidden), over a stand-in sandbox; one test goes through the real one."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import TestCase
from django.utils import timezone

from apps.core.errors import NotFound, PermissionDenied
from apps.exercises import events, grading, services
from apps.exercises.errors import (
    CodeTooLarge,
    IdempotencyKeyReused,
    RunInProgress,
    TooManyRuns,
)
from apps.exercises.models import Run
from apps.exercises.sandbox import PhaseResult
from apps.exercises.tasks import run_task
from tests.exercises.conftest import SOLUTION, STARTER, WRONG, make_exercise
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def key(n: int = 0) -> str:
    return f"key-{n:08d}"


def create(user, exercise, code=SOLUTION, mode="run", k=None) -> Run:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.run_create(
            user=user, exercise_slug=exercise.slug, code=code, mode=mode, key=k or key()
        )


# --------------------------------------------------------------------------- exercises


def test_render_sanitises_the_prompt_and_counts_tests(exercise):
    assert "<script" not in exercise.prompt_html
    assert "<code>add(a, b)</code>" in exercise.prompt_html
    assert (exercise.visible_test_count, exercise.hidden_test_count) == (2, 3)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("test_visible", "def test_x(:\n", "not valid Python"),
        ("test_visible", "x = 1\n", "no test function"),
        ("test_visible", "", "missing"),
        ("solution_code", "def add(:", "not valid Python"),
        ("time_limit_seconds", 6, "From 1 to 5"),
    ],
)
def test_render_refuses_broken_exercises(exercise, field, value, message):
    setattr(exercise, field, value)
    with pytest.raises(ValidationError) as caught:
        services.exercise_render(exercise)
    assert message in str(caught.value.message_dict[field])


def test_time_limit_is_a_database_constraint_too(exercise):
    with pytest.raises(IntegrityError), transaction.atomic():
        type(exercise).objects.filter(pk=exercise.pk).update(time_limit_seconds=9)


def test_check_reports_reference_and_starter(exercise, fake_sandbox):
    report = services.exercise_check(exercise)
    assert report.ok, report.problems
    assert report.summary == "reference passes 5/5; starter fails 2/2 visible (5/5 in all)"
    # recorded twice per file, then the reference and the starter graded (two phases each)
    assert [c["solution"] for c in fake_sandbox.calls] == [SOLUTION] * 6 + [STARTER] * 2
    assert [c["module_file"] for c in fake_sandbox.calls[-2:]] == ["test_visible.py",
                                                                   "test_hidden.py"]  # fmt: skip


def test_check_names_the_problems(exercise, fake_sandbox):
    exercise.solution_code = WRONG  # the stored values came from the right solution
    exercise.starter_code = WRONG
    report = services.exercise_check(exercise)
    assert not report.ok
    assert "stored expected values are missing or out of date" in report.summary
    exercise.solution_code = SOLUTION
    exercise.starter_code = SOLUTION
    report = services.exercise_check(exercise)
    assert report.problems == ["The starter passes every test: learners have nothing to do."]


@pytest.mark.parametrize(
    ("hidden", "problem"),
    [
        ('def test_adds_big_numbers(check):\n    check("x", add(10**20))\n',
         "test_adds_big_numbers: the reference fails it: TypeError"),
        ('import random\n\ndef test_flaky(check):\n    check("r", random.random())\n',
         "test_flaky: its values change from run to run"),
        ('def test_yes_no(check):\n    check("positive", add(1, 1) > 0)\n'
         '    check.raises("add(None)", TypeError, add, None, 1)\n',
         "test_yes_no: every check is a yes/no or an exception"),
        ('def test_nothing(check):\n    add(1, 1)\n', "test_nothing: it checks nothing"),
        ('class Box:\n    pass\n\ndef test_object(check):\n    check("box", Box())\n'
         '    check("n", add(1, 1))\n', "'box' checks an object"),
    ],
)  # fmt: skip
def test_recording_refuses_probes_that_cannot_grade_fairly(exercise, fake_sandbox, hidden,
                                                           problem):  # fmt: skip
    exercise.test_hidden = "from solution import add\n\n" + hidden
    report = services.exercise_expectations_record(exercise)
    assert not report.ok and any(problem in p for p in report.problems), report.problems


def test_check_reports_a_refusing_sandbox(exercise, fake_sandbox):
    fake_sandbox.status_override = "refused"
    report = services.exercise_check(exercise)
    assert not report.ok and "bubblewrap cannot run here" in report.summary


# --------------------------------------------------------------------------- run_create


def test_run_create_queues_and_dispatches_after_commit(exercise, dispatched):
    user = UserFactory()
    run = create(user, exercise)
    assert (run.status, run.mode, run.total, run.seq) == ("queued", "run", 2, 0)
    assert dispatched == [run.pk]
    assert create(user, exercise, mode="run", k=key()).pk == run.pk  # same key: same run
    assert dispatched == [run.pk]  # not dispatched again
    Run.objects.filter(pk=run.pk).update(status="passed")
    submitted = create(user, exercise, mode="submit", k=key(1))
    assert submitted.total == 5


def test_nothing_is_dispatched_when_the_transaction_rolls_back(exercise, dispatched):
    user = UserFactory()
    with (
        TestCase.captureOnCommitCallbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.run_create(user=user, exercise_slug=exercise.slug, code="x", mode="run", key=key())
        raise RuntimeError
    assert dispatched == [] and not Run.objects.exists()


def test_a_key_reused_for_another_request_is_refused(exercise, dispatched):
    user = UserFactory()
    create(user, exercise)
    with pytest.raises(IdempotencyKeyReused):
        create(user, exercise, code=STARTER)
    other = UserFactory()
    assert create(other, exercise).user == other  # keys are per user


def test_one_run_in_flight_per_learner(exercise, dispatched):
    user = UserFactory()
    first = create(user, exercise)
    with pytest.raises(RunInProgress) as caught:
        create(user, exercise, k=key(1))
    assert caught.value.status == 409
    assert "already in progress" in caught.value.message
    assert caught.value.extra == {"run": first.pk}
    assert create(UserFactory(), exercise, k=key(1)).status == "queued"  # others may run


def test_the_database_refuses_a_second_run_in_flight(exercise):
    user = UserFactory()
    common = {"user": user, "exercise": exercise, "mode": "run", "code": "",
              "queued_at": timezone.now()}  # fmt: skip
    Run.objects.create(key=key(1), status="running", **common)
    with pytest.raises(IntegrityError), transaction.atomic():
        Run.objects.create(key=key(2), status="queued", **common)
    Run.objects.create(key=key(3), status="failed", **common)  # finished runs are not limited


def test_a_stale_run_is_given_up(exercise, dispatched, settings):
    user = UserFactory()
    stale = create(user, exercise)
    Run.objects.filter(pk=stale.pk).update(queued_at=timezone.now() - timedelta(hours=1))
    fresh = create(user, exercise, k=key(1))
    stale.refresh_from_db()
    assert stale.status == "error" and "lost" in stale.reason
    assert fresh.status == "queued"


def test_code_size_and_content_are_checked(exercise, dispatched):
    user = UserFactory()
    with pytest.raises(CodeTooLarge) as caught:
        create(user, exercise, code="x" * (64 * 1024 + 1))
    assert caught.value.status == 400 and "64 KB" in caught.value.message
    assert create(user, exercise, code="é" * (32 * 1024)).pk  # 64 KB exactly, in bytes
    with pytest.raises(services.ApplicationError, match="NUL"):
        create(UserFactory(), exercise, code="a\x00b")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"k": "short"}, "key must be"),
        ({"k": "bad key with spaces"}, "key must be"),
        ({"mode": "debug"}, "mode must be"),
    ],
)
def test_bad_requests_are_refused(exercise, dispatched, change, error):
    with pytest.raises(services.ApplicationError, match=error):
        create(UserFactory(), exercise, **change)
    assert not Run.objects.exists()


def test_only_published_exercises_run(exercise, dispatched):
    exercise.status = "draft"
    exercise.save()
    with pytest.raises(NotFound):
        create(UserFactory(), exercise)
    exercise.status = "published"
    exercise.save()
    exercise.lesson.status = "draft"
    exercise.lesson.save()
    with pytest.raises(NotFound):
        create(UserFactory(), exercise)


def test_anonymous_cannot_run(exercise):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        create(AnonymousUser(), exercise)


def test_runs_are_rate_limited_per_learner(exercise, dispatched, settings):
    settings.EXERCISES_RUN_LIMIT = 3
    user = UserFactory()
    for n in range(3):
        run = create(user, exercise, k=key(n))
        Run.objects.filter(pk=run.pk).update(status="passed")
    with pytest.raises(TooManyRuns) as caught:
        create(user, exercise, k=key(9))
    assert caught.value.status == 429 and caught.value.extra["retry_after"] > 0
    assert create(user, exercise, k=key(0)).pk  # a replay is not a new run: still answered
    assert create(UserFactory(), exercise, k=key(9)).pk  # per learner


# --------------------------------------------------------------------------- run_execute


@pytest.fixture
def frames(monkeypatch):
    sent: list[dict] = []
    monkeypatch.setattr(events, "send_group", lambda name, message: sent.append(message))
    return sent


def execute(run: Run) -> Run:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.run_execute(run_id=run.pk)


def test_run_mode_runs_the_visible_tests_only(exercise, dispatched, fake_sandbox, frames):
    run = execute(create(UserFactory(), exercise))
    assert [c["module_file"] for c in fake_sandbox.calls] == ["test_visible.py"]
    assert fake_sandbox.calls[0]["limits"].cpu_seconds == 3
    assert (run.status, run.passed, run.total) == ("passed", 2, 2)
    assert [t["name"] for t in run.tests] == ["test_adds_small_numbers", "test_adds_negatives"]
    assert run.output == "hello from stdout\n" and run.duration_ms is not None
    assert run.started_at and run.finished_at


def test_submit_runs_every_test_and_hides_the_hidden_ones(
    exercise, dispatched, fake_sandbox, frames
):
    run = execute(create(UserFactory(), exercise, code=WRONG, mode="submit"))
    assert [c["module_file"] for c in fake_sandbox.calls] == ["test_visible.py", "test_hidden.py"]
    assert [c["keep_output"] for c in fake_sandbox.calls] == [True, False]
    assert (run.status, run.passed, run.total) == ("failed", 4, 5)
    hidden = [t for t in run.tests if t["hidden"]]
    assert [t["name"] for t in hidden] == ["hidden test 1", "hidden test 2", "hidden test 3"]
    assert [t["outcome"] for t in hidden] == ["failed", "passed", "passed"]
    assert all(t["message"] == "" and t["duration_ms"] == 0 for t in hidden)
    stored = str(Run.objects.values_list("tests", flat=True).get(pk=run.pk))
    for secret in ("SECRET-EXPECTATION", "test_adds_big_numbers", "10**20", "100000000000"):
        assert secret not in stored and secret not in str(frames) and secret not in run.reason
    assert run.reason == "1 of 5 tests did not pass."


def test_a_visible_failure_says_what_was_expected(exercise, dispatched, fake_sandbox, frames):
    code = "def add(a, b):\n    return a * b\n"
    run = execute(create(UserFactory(), exercise, code=code))
    assert [t["outcome"] for t in run.tests] == ["failed", "failed"]
    assert run.tests[0]["message"] == "add(1, 2): expected 3, got 2"


def test_a_run_without_current_expected_values_is_refused(exercise, dispatched, fake_sandbox,
                                                           frames):  # fmt: skip
    type(exercise).objects.filter(pk=exercise.pk).update(test_visible=exercise.test_visible + "\n")
    run = execute(create(UserFactory(), exercise))
    assert run.status == "refused" and "being updated" in run.reason
    assert fake_sandbox.calls == []


def test_visible_failures_keep_their_messages(exercise, dispatched, fake_sandbox, frames):
    run = execute(create(UserFactory(), exercise, code=STARTER))
    assert run.status == "failed" and run.passed == 0
    assert run.tests[0]["outcome"] == "error"
    assert "NotImplementedError" in run.tests[0]["message"]


def test_results_are_broadcast_in_seq_order(exercise, dispatched, fake_sandbox, frames):
    run = execute(create(UserFactory(), exercise, mode="submit"))
    import json

    sent = [json.loads(m["text"]) for m in frames]
    assert [f["type"] for f in sent] == ["status"] + ["test"] * 5 + ["done"]
    assert [f["seq"] for f in sent] == list(range(1, 8)) and run.seq == 7
    assert [f["index"] for f in sent[1:6]] == [0, 1, 2, 3, 4]
    assert [f["passed"] for f in sent[1:6]] == [1, 2, 3, 4, 5]
    assert sent[0] == {"type": "status", "seq": 1, "status": "running", "total": 5}
    assert sent[-1]["status"] == "passed" and sent[-1]["passed"] == sent[-1]["total"] == 5
    assert {m["seq"] for m in frames} == set(range(1, 8))


def test_execute_is_idempotent(exercise, dispatched, fake_sandbox, frames):
    run = execute(create(UserFactory(), exercise))
    again = execute(run)
    assert len(fake_sandbox.calls) == 1 and again.seq == run.seq and again.status == "passed"


def test_a_run_restarted_after_a_lost_worker_starts_afresh(
    exercise, dispatched, fake_sandbox, frames
):
    run = create(UserFactory(), exercise)
    Run.objects.filter(pk=run.pk).update(
        status="running", attempts=1, seq=4, tests=[{"name": "stale"}], passed=1
    )
    run = execute(run)
    assert run.status == "passed" and run.attempts == 2 and len(run.tests) == 2
    assert run.seq == 4 + 1 + 2 + 1


def test_a_run_that_stopped_the_worker_twice_is_given_up(
    exercise, dispatched, fake_sandbox, frames
):
    run = create(UserFactory(), exercise)
    Run.objects.filter(pk=run.pk).update(status="running", attempts=2)
    run = execute(run)
    assert run.status == "error" and "stopped twice" in run.reason
    assert fake_sandbox.calls == []


def test_a_refusing_sandbox_is_reported(exercise, dispatched, fake_sandbox, frames):
    fake_sandbox.status_override = "refused"
    run = execute(create(UserFactory(), exercise))
    assert run.status == "refused" and run.reason == "bubblewrap cannot run here"
    assert run.total == 2 and run.passed == 0


def test_a_crashing_sandbox_is_an_error_not_the_learners_fault(
    exercise, dispatched, fake_sandbox, frames
):
    fake_sandbox.status_override = "crash"
    run = execute(create(UserFactory(), exercise))
    assert run.status == "error" and "not your code's fault" in run.reason


def test_a_process_that_stops_early_passes_nothing_it_did_not_report(
    exercise, dispatched, monkeypatch, frames
):
    def partial(**kwargs):
        kwargs["on_record"]({"event": "test", "test": "test_adds_small_numbers",
                             "obs": [["add(1, 2)", 3]]})  # fmt: skip
        return PhaseResult(status="ran", returncode=0)

    monkeypatch.setattr(grading, "phase_runner", partial)
    run = execute(create(UserFactory(), exercise))
    assert run.status == "error" and "ended the test run early" in run.reason
    assert [t["outcome"] for t in run.tests] == ["passed", "error"]


@pytest.mark.django_db(transaction=True)
def test_each_result_is_committed_as_it_happens(exercise, fake_sandbox, frames, monkeypatch):
    """Another connection sees every result the moment on_test has stored it."""
    monkeypatch.setattr(services, "run_dispatch", lambda run_id: None)
    run = services.run_create(
        user=UserFactory(), exercise_slug=exercise.slug, code=SOLUTION, mode="submit", key=key()
    )
    seen: list[int] = []

    def peek() -> None:
        from django.db import connection

        seen.append(len(Run.objects.get(pk=run.pk).tests))
        connection.close()

    original = services._Recorder.__call__

    def recording(self, outcome):
        original(self, outcome)
        reader = threading.Thread(target=peek)
        reader.start()
        reader.join()

    monkeypatch.setattr(services._Recorder, "__call__", recording)
    services.run_execute(run_id=run.pk)
    assert seen == [1, 2, 3, 4, 5]
    assert len(frames) == 7  # broadcast after each commit, not at the end


# --------------------------------------------------------------------------- dispatching


def test_the_task_is_thin_reliable_and_on_its_own_queue():
    from config.celery import app

    route = app.amqp.router.route({}, "exercises.run", args=(1,), kwargs={})
    assert run_task.name == "exercises.run" and route["queue"].name == "exercises"
    assert run_task.acks_late and run_task.reject_on_worker_lost
    assert run_task.time_limit > run_task.soft_time_limit > 5


def test_services_mode_sends_the_task(exercise, monkeypatch, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    sent = []
    monkeypatch.setattr(run_task, "apply_async", lambda args: sent.append(args))  # noqa: PLW0108
    run = create(UserFactory(), exercise)
    assert sent == [(run.pk,)]


@pytest.mark.django_db(transaction=True)
def test_embedded_mode_runs_in_the_background(exercise, fake_sandbox, frames, settings):
    """The request returns at once; a thread of this process runs the code."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    fake_sandbox.gate = threading.Event()
    run = services.run_create(
        user=UserFactory(), exercise_slug=exercise.slug, code=SOLUTION, mode="run", key=key()
    )
    time.sleep(0.2)
    assert Run.objects.get(pk=run.pk).status in {"queued", "running"}  # still waiting
    fake_sandbox.gate.set()
    deadline = time.monotonic() + 10
    while Run.objects.get(pk=run.pk).status in {"queued", "running"}:
        assert time.monotonic() < deadline, "the background run did not finish"
        time.sleep(0.05)
    assert Run.objects.get(pk=run.pk).status == "passed"


# --------------------------------------------------------------------------- the real sandbox


def _real_sandbox_or_skip():
    try:
        from apps.exercises import sandbox
    except ImportError:
        reason = "apps/exercises/sandbox.py is not there yet"
    else:
        available, why = sandbox.sandbox_available()
        if available:
            return sandbox
        reason = f"the sandbox cannot run here: {why}"
    if os.environ.get("REQUIRE_SANDBOX", "").strip().lower() in {"1", "true", "yes"}:
        pytest.fail(f"REQUIRE_SANDBOX=1: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.mark.django_db(transaction=True)
def test_end_to_end_through_the_real_sandbox(frames, settings, monkeypatch):
    _real_sandbox_or_skip()
    settings.EXERCISES_ALLOW_UNSANDBOXED = False
    monkeypatch.setattr(services, "run_dispatch", lambda run_id: None)  # run it here
    exercise = make_exercise()
    user = UserFactory()
    report = services.exercise_check(exercise)
    assert report.ok, report.summary
    run = services.run_create(
        user=user, exercise_slug=exercise.slug, code=WRONG, mode="submit", key=key()
    )
    run = services.run_execute(run_id=run.pk)
    assert (run.status, run.passed, run.total) == ("failed", 4, 5), (run.reason, run.tests)
    assert [t["hidden"] for t in run.tests].count(True) == 3
    assert "SECRET-EXPECTATION" not in str(run.tests)
    assert len(frames) == 7
