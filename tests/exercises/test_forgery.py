"""Grades a learner's code cannot forge: a corpus of forging solutions (tests/exercises/
forgers.py) against shipped exercises, in the real sandbox, graded as the platform
grades them. Each forger is the exercise's starter plus code that attacks the grading;
none may be graded *passed*, and none may pass a test its starter does not really pass.
Every reference solution still passes. The same holds through the services (the run,
its progress and the APIs) in whichever mode the suite runs, and through a real Celery
worker in services mode (tests/exercises/test_worker.py)."""

from __future__ import annotations

from functools import cache

import pytest
from django.test import TestCase

from apps.exercises import grading, services
from apps.exercises.models import Run
from apps.exercises.sandbox import Limits
from tests.conftest import ROOT
from tests.exercises.forgers import FORGERS, PREAMBLE
from tests.factories import UserFactory

pytestmark = pytest.mark.sandbox

SHIPPED = ROOT / "apps" / "exercises" / "content" / "python-backend-engineering"
EXERCISES = [
    "01-latency-percentiles",
    "08-ttl-lru-cache",
    "12-graphql-dataloader",
    "16-safe-query-builder",
]
SLOW = {"sleep_past_the_deadline"}  # waits for the wall clock: given a short one


@cache
def exercise(folder: str) -> dict:
    path = SHIPPED / folder
    names = ("starter.py", "solution.py", "test_visible.py", "test_hidden.py", "expected.json")
    files = {name: (path / name).read_text() for name in names}
    expected = grading.expectations_for(
        grading.loads_expectations(files["expected.json"]),
        solution=files["solution.py"],
        visible=files["test_visible.py"],
        hidden=files["test_hidden.py"],
    )
    assert expected is not None, f"{folder}/expected.json is out of date"
    return {**files, "expected": expected}


def grade(folder: str, code: str, limits: Limits | None = None) -> grading.GradeResult:
    ex = exercise(folder)
    return grading.grade(
        solution=code,
        visible=ex["test_visible.py"],
        hidden=ex["test_hidden.py"],
        expected=ex["expected"],
        submit=True,
        limits=limits,
    )


def passed(result: grading.GradeResult) -> set[str]:
    return {t.name for t in result.tests if t.outcome == "passed"}


@cache
def starter_passes(folder: str) -> frozenset[str]:
    result = grade(folder, exercise(folder)["starter.py"])
    assert result.status != "passed"
    return frozenset(passed(result))


@pytest.mark.parametrize("folder", EXERCISES)
def test_every_reference_solution_still_passes(folder):
    result = grade(folder, exercise(folder)["solution.py"])
    assert result.status == "passed", (
        result.reason,
        [t for t in result.tests if t.outcome != "passed"],
    )
    assert len(result.tests) == len(passed(result)) > 0


@pytest.mark.parametrize("forger", sorted(FORGERS))
@pytest.mark.parametrize("folder", EXERCISES)
def test_a_forging_solution_is_never_graded_passed(folder, forger):
    code = exercise(folder)["starter.py"] + "\n" + PREAMBLE + "\n" + FORGERS[forger]
    limits = Limits(wall_seconds=3, per_test_seconds=1) if forger in SLOW else None
    result = grade(folder, code, limits)
    assert result.status != "passed", (forger, result.reason)
    forged = passed(result) - starter_passes(folder)
    assert not forged, f"{forger} passed {sorted(forged)} on {folder}"
    assert len(result.tests) == len(exercise(folder)["expected"]["test_visible.py"]) + len(
        exercise(folder)["expected"]["test_hidden.py"]
    )


def test_the_corpus_is_large_enough():
    assert len(FORGERS) >= 15


def test_no_expected_value_is_anywhere_the_learners_code_can_look():
    ex = exercise("01-latency-percentiles")
    result = grade("01-latency-percentiles", ex["starter.py"] + PREAMBLE + FORGERS[
        "search_the_filesystem_for_answers"])  # fmt: skip
    # no expected.json and no JSON file but the harness's manifest, which holds none
    assert result.output == "found: ['/task/manifest.json']\n"


# --------------------------------------------------------------------------- the services


@pytest.fixture
def imported(db):
    from django.core.management import call_command

    call_command("import_content", verbosity=0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "forger",
    ["replay_the_manifest_and_exit_zero", "patch_the_recorder_to_copy_label_numbers",
     "objects_equal_to_everything", "planted_probe_module", "forked_child_writes_records"],
)  # fmt: skip
def test_a_forged_submit_is_failed_everywhere_it_shows(imported, forger, monkeypatch):
    from apps.exercises import selectors

    monkeypatch.setattr(services, "run_dispatch", lambda run_id: None)  # executed below
    user = UserFactory()
    slug = "latency-percentiles"
    code = exercise("01-latency-percentiles")["starter.py"] + PREAMBLE + FORGERS[forger]
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = services.run_create(user=user, exercise_slug=slug, code=code, mode="submit",
                                  key=f"forge-{forger[:40]}")  # fmt: skip
    run = services.run_execute(run_id=run.pk)
    assert run.status != "passed" and run.passed < run.total == 12, (run.status, run.reason)
    assert not Run.objects.filter(user=user, status="passed").exists()
    progress = selectors.exercise_progress_by_module(user=user)
    assert sum(row["solved"] for row in progress) == 0
    assert selectors.exercise_get_published(slug=slug, user=user).is_solved is False


def _hidden_source() -> str:
    return exercise("01-latency-percentiles")["test_hidden.py"]


def test_the_hidden_tests_cannot_be_read_back_through_a_submit():
    spy = (
        "import os, sys\n"
        "m = open('/task/manifest.json').read()\n"
        "if 'test_hidden' in m:\n"
        "    text = open('/task/test_hidden.py').read()\n"
        "    print(text)\n"
        "    sys.stderr.write(text)\n"
        "    raise RuntimeError(text[:1500])\n"
    )
    ex = exercise("01-latency-percentiles")
    result = grade("01-latency-percentiles", spy + ex["solution.py"])
    blob = result.output + result.reason + repr(result.tests)
    for line in _hidden_source().splitlines():
        if len(line.strip()) > 20:
            assert line.strip() not in blob
    assert [t.outcome for t in result.tests if t.hidden] == ["error"] * len(
        ex["expected"]["test_hidden.py"]
    )
    assert all(t.message == "" and t.duration_ms == 0 for t in result.tests if t.hidden)


def test_the_visible_output_still_reaches_the_learner():
    ex = exercise("01-latency-percentiles")
    result = grade("01-latency-percentiles", "print('debugging here')\n" + ex["solution.py"])
    assert result.status == "passed" and result.output == "debugging here\n"
