"""GraphQL types for exercises and runs: the REST API's fields and names
(apps/exercises/api/views.py), over the same selectors. They map the dictionaries the
selectors build (``exercise_public``, ``run_public``), which hold neither the reference
solution nor the hidden tests."""

from __future__ import annotations

import graphene


class Exercise(graphene.ObjectType):
    slug = graphene.String(required=True)
    title = graphene.String(required=True)
    summary = graphene.String(required=True)
    difficulty = graphene.String(required=True, description="easy, medium or hard")
    order = graphene.Int(required=True)
    course = graphene.String(required=True)
    module = graphene.String(required=True)
    lesson = graphene.String(required=True)
    lesson_title = graphene.String(required=True)
    time_limit_seconds = graphene.Int(required=True)
    visible_test_count = graphene.Int(required=True)
    hidden_test_count = graphene.Int(required=True)
    progress = graphene.String(
        description="Your standing: solved, attempted or new; null when anonymous."
    )
    url = graphene.String(required=True)


class VisibleCheck(graphene.ObjectType):
    check = graphene.String(required=True, description="What the check observes.")
    expected = graphene.String(
        required=True, description="The expected value, as Python prints it."
    )


class VisibleTest(graphene.ObjectType):
    test = graphene.String(required=True, description="The visible test's name.")
    checks = graphene.List(graphene.NonNull(VisibleCheck), required=True)


class ExerciseDetail(Exercise):
    prompt_html = graphene.String(required=True)
    starter_code = graphene.String(required=True)
    test_visible = graphene.String(required=True, description="The visible tests' source.")
    visible_checks = graphene.List(
        graphene.NonNull(VisibleTest),
        required=True,
        description="What each visible test checks and expects (hidden tests' never).",
    )


class ExercisePage(graphene.ObjectType):
    count = graphene.Int(required=True)
    results = graphene.List(graphene.NonNull(Exercise), required=True)


class RunTest(graphene.ObjectType):
    name = graphene.String(required=True, description='A visible test\'s name or "hidden test N".')
    outcome = graphene.String(required=True)
    duration_ms = graphene.Int(required=True)
    message = graphene.String(required=True, description="Always empty for hidden tests.")
    hidden = graphene.Boolean(required=True)


class Run(graphene.ObjectType):
    id = graphene.Int(required=True)
    exercise = graphene.String(required=True)
    mode = graphene.String(required=True, description="run or submit")
    status = graphene.String(
        required=True, description="queued, running, passed, failed, error, timeout or refused"
    )
    seq = graphene.Int(required=True)
    passed = graphene.Int(required=True)
    total = graphene.Int(required=True)
    reason = graphene.String(required=True)
    duration_ms = graphene.Int()
    queued_at = graphene.DateTime(required=True)
    started_at = graphene.DateTime()
    finished_at = graphene.DateTime()
    url = graphene.String(required=True)


class RunDetail(Run):
    code = graphene.String(required=True)
    tests = graphene.List(graphene.NonNull(RunTest), required=True)
    output = graphene.String(required=True)


class RunPage(graphene.ObjectType):
    count = graphene.Int(required=True)
    results = graphene.List(graphene.NonNull(Run), required=True)


class BlockRun(graphene.ObjectType):
    """Your latest run of a lesson's runnable example (``block_run_public``)."""

    id = graphene.Int(required=True)
    block = graphene.Int(required=True, description="The example's number in its lesson.")
    block_hash = graphene.String(required=True, description="The author's code it ran against.")
    edited = graphene.Boolean(required=True, description="Whether your edit ran, not the author's.")
    status = graphene.String(
        required=True,
        description="queued, running, done, failed, timeout, error or refused",
    )
    seq = graphene.Int(required=True)
    code = graphene.String(required=True)
    output = graphene.String(required=True, description="stdout and stderr (capped at 64 KB).")
    exit_code = graphene.Int()
    reason = graphene.String(required=True)
    duration_ms = graphene.Int()
    queued_at = graphene.DateTime(required=True)
    started_at = graphene.DateTime()
    finished_at = graphene.DateTime()
