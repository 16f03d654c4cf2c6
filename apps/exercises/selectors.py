"""Reads of exercises and runs, with the access rules in one place.

* Learners see published exercises of published lessons (the course's visibility rule).
* ``solution_code``, ``test_hidden`` and ``expected_json`` are never part of what these
  return for learners (only the visible tests' expected values, ``visible_checks``):
  ``exercise_public`` and ``run_public`` build every dictionary the surfaces send.
* A run is its owner's only: anyone else gets ``RunNotFound`` (not a 403, which would
  say that the run exists).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from apps.exercises import grading
from apps.exercises.errors import BlockNotFound, ExerciseNotFound, RunNotFound
from apps.exercises.models import BlockRun, Difficulty, Exercise, Mode, Run, RunStatus, Status

PUBLISHED = Q(
    status=Status.PUBLISHED,
    lesson__status="published",
    lesson__module__status="published",
    lesson__module__course__status="published",
)

SOLVED = Q(mode=Mode.SUBMIT, status=RunStatus.PASSED)

# What a learner's standing in an exercise is called on every surface.
PROGRESS_SOLVED, PROGRESS_ATTEMPTED, PROGRESS_NEW = "solved", "attempted", "new"


def _with_progress(rows: QuerySet[Exercise], user: Any) -> QuerySet[Exercise]:
    if not user.is_authenticated:
        return rows
    mine = Run.objects.filter(user=user, exercise=OuterRef("pk"))
    return rows.annotate(
        is_solved=Exists(mine.filter(SOLVED)), is_attempted=Exists(mine.filter(mode=Mode.SUBMIT))
    )


def progress_of(exercise: Exercise) -> str | None:
    """``solved``/``attempted``/``new`` for a row from ``_with_progress`` (None: anonymous)."""
    if not hasattr(exercise, "is_solved"):
        return None
    if exercise.is_solved:
        return PROGRESS_SOLVED
    return PROGRESS_ATTEMPTED if getattr(exercise, "is_attempted", False) else PROGRESS_NEW


def exercise_list_published(
    *, user: Any, module_slug: str | None = None, difficulty: str | None = None
) -> QuerySet[Exercise]:
    """Published exercises in course order, with the user's progress (one query)."""
    rows = (
        Exercise.objects.filter(PUBLISHED)
        .select_related("lesson__module__course")
        .defer("solution_code", "test_hidden", "expected_json")
    )
    if module_slug:
        rows = rows.filter(lesson__module__slug=module_slug)
    if difficulty:
        rows = rows.filter(difficulty=difficulty)
    return _with_progress(rows, user).order_by(
        "lesson__module__course__order",
        "lesson__module__order",
        "lesson__module_id",
        "lesson__order",
        "order",
        "id",
    )


def exercise_get_published(*, slug: str, user: Any = None) -> Exercise:
    rows = Exercise.objects.filter(PUBLISHED, slug=slug).select_related("lesson__module__course")
    if user is not None:
        rows = _with_progress(rows, user)
    exercise = rows.first()
    if exercise is None:
        raise ExerciseNotFound("No such exercise.")
    return exercise


def lesson_exercises(*, lesson_id: int, user: Any) -> list[Exercise]:
    """A lesson's published exercises with the user's progress (one query)."""
    rows = Exercise.objects.filter(PUBLISHED, lesson_id=lesson_id).only(
        "id", "slug", "title", "summary", "difficulty", "order"
    )
    return list(_with_progress(rows, user).order_by("order", "id"))


def exercises_per_module(*, user: Any, module_ids: list[int]) -> dict[int, dict[str, int]]:
    """``{module_id: {"solved", "total"}}`` over published exercises, in one query."""
    if not module_ids:
        return {}
    rows = (
        Exercise.objects.filter(PUBLISHED, lesson__module_id__in=module_ids)
        .values("lesson__module_id")
        .annotate(total=Count("id"))
    )
    if user.is_authenticated:
        solved = Exists(Run.objects.filter(SOLVED, user=user, exercise=OuterRef("pk")))
        rows = rows.annotate(solved=Count("id", filter=solved))
    return {
        row["lesson__module_id"]: {"solved": row.get("solved", 0), "total": row["total"]}
        for row in rows.order_by()
    }


def exercise_progress_by_module(*, user: Any) -> list[dict[str, Any]]:
    """Per module with published exercises, in course order: its title and slug and how
    many of its exercises the user has solved (one query)."""
    rows = (
        Exercise.objects.filter(PUBLISHED)
        .values(
            "lesson__module_id",
            "lesson__module__slug",
            "lesson__module__title",
            "lesson__module__order",
            "lesson__module__course__order",
            "lesson__module__course__title",
        )
        .annotate(total=Count("id"))
    )
    if user.is_authenticated:
        solved = Exists(Run.objects.filter(SOLVED, user=user, exercise=OuterRef("pk")))
        rows = rows.annotate(solved=Count("id", filter=solved))
    return [
        {
            "course": row["lesson__module__course__title"],
            "module": row["lesson__module__title"],
            "slug": row["lesson__module__slug"],
            "solved": row.get("solved", 0),
            "total": row["total"],
        }
        for row in rows.order_by(
            "lesson__module__course__order", "lesson__module__order", "lesson__module_id"
        )
    ]


def exercise_public(exercise: Exercise) -> dict[str, Any]:
    """What learners may know about an exercise (summary fields)."""
    lesson = exercise.lesson
    return {
        "slug": exercise.slug,
        "title": exercise.title,
        "summary": exercise.summary,
        "difficulty": exercise.difficulty,
        "order": exercise.order,
        "course": lesson.module.course.slug,
        "module": lesson.module.slug,
        "lesson": lesson.slug,
        "lesson_title": lesson.title,
        "time_limit_seconds": exercise.time_limit_seconds,
        "visible_test_count": exercise.visible_test_count,
        "hidden_test_count": exercise.hidden_test_count,
        "progress": progress_of(exercise),
        "url": exercise.get_absolute_url(),
    }


def exercise_visible_checks(exercise: Exercise) -> list[dict[str, Any]]:
    """What each visible test checks and expects (from the recorded expectations, when
    they are current); hidden tests' are never part of it."""
    try:
        expected = grading.loads_expectations(exercise.expected_json)
    except grading.ExpectationsError:
        return []
    current = grading.expectations_for(
        expected,
        solution=exercise.solution_code,
        visible=exercise.test_visible,
        hidden=exercise.test_hidden,
    )
    return grading.visible_checks(current)


def exercise_detail_public(exercise: Exercise) -> dict[str, Any]:
    """The summary plus what solving it needs: prompt, starter code, the visible tests and
    what they expect."""
    return {
        **exercise_public(exercise),
        "prompt_html": exercise.prompt_html,
        "starter_code": exercise.starter_code,
        "test_visible": exercise.test_visible,
        "visible_checks": exercise_visible_checks(exercise),
    }


def run_get_for_user(*, user: Any, run_id: int) -> Run:
    run = None
    if user.is_authenticated:
        run = Run.objects.select_related("exercise").filter(pk=run_id, user=user).first()
    if run is None:
        raise RunNotFound("No such run.")
    return run


def run_list_for_user(
    *, user: Any, exercise_slug: str | None = None, mode: str | None = None
) -> QuerySet[Run]:
    rows = Run.objects.filter(user=user).select_related("exercise").defer("code", "output")
    if exercise_slug:
        rows = rows.filter(exercise__slug=exercise_slug)
    if mode:
        rows = rows.filter(mode=mode)
    return rows.order_by("-queued_at", "-id")


def latest_code(*, user: Any, exercise: Exercise) -> str | None:
    """The code of the user's latest run of an exercise (what the editor starts with)."""
    return (
        Run.objects.filter(user=user, exercise=exercise)
        .order_by("-queued_at", "-id")
        .values_list("code", flat=True)
        .first()
    )


def run_public(run: Run, *, detail: bool = True) -> dict[str, Any]:
    """A run as its owner sees it. Hidden tests are already anonymous in ``tests``."""
    data: dict[str, Any] = {
        "id": run.pk,
        "exercise": run.exercise.slug,
        "mode": run.mode,
        "status": run.status,
        "seq": run.seq,
        "passed": run.passed,
        "total": run.total,
        "reason": run.reason,
        "duration_ms": run.duration_ms,
        "queued_at": run.queued_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "url": run.get_absolute_url(),
    }
    if detail:
        data["code"] = run.code
        data["tests"] = list(run.tests)
        data["output"] = run.output
    return data


DIFFICULTIES = list(Difficulty.values)


# --------------------------------------------------------------------------- lesson examples


def lesson_block_get(*, lesson: Any, block: int) -> dict[str, Any]:
    """One of a lesson's runnable blocks, as stored when it was rendered (the author's
    code and its hash); a number that is not one is a 404."""
    for entry in lesson.run_blocks or []:
        if entry.get("index") == block:
            return dict(entry)
    raise BlockNotFound("This lesson has no runnable example with that number.")


def block_run_get_for_user(*, user: Any, run_id: int) -> BlockRun:
    run = None
    if user.is_authenticated:
        run = BlockRun.objects.select_related("lesson").filter(pk=run_id, user=user).first()
    if run is None:
        raise RunNotFound("No such run.")
    return run


def block_runs_for_lesson(*, user: Any, lesson: Any) -> dict[int, BlockRun]:
    """The learner's latest run of each of the lesson's examples, by block number."""
    if not getattr(user, "is_authenticated", False):
        return {}
    return {run.block: run for run in BlockRun.objects.filter(user=user, lesson=lesson)}


def block_run_public(run: BlockRun) -> dict[str, Any]:
    """A run of a lesson's example as its owner sees it."""
    return {
        "id": run.pk,
        "block": run.block,
        "block_hash": run.block_hash,
        "edited": run.edited,
        "status": run.status,
        "seq": run.seq,
        "code": run.code,
        "output": run.output,
        "exit_code": run.exit_code,
        "reason": run.reason,
        "duration_ms": run.duration_ms,
        "queued_at": run.queued_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
    }
