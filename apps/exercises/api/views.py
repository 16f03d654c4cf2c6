"""REST: code exercises (published only; never the reference solution or the hidden
tests) and your runs of them (create, follow, list).

Views translate HTTP to the exercise services and selectors and back. A run is created
here and executed by a worker; follow it on the websocket
``/ws/exercises/runs/<id>/`` or poll ``GET /api/v1/runs/<id>/``.
"""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.pagination import Pagination
from apps.core.api.schema import error_responses, path_slug
from apps.exercises import selectors, services
from apps.exercises.errors import TooManyRuns
from apps.exercises.models import MAX_CODE_BYTES, BlockRunStatus, Difficulty, Mode, RunStatus

PROGRESS_HELP = "Your standing: solved, attempted (submitted, not passed) or new; null anonymous."


@extend_schema_serializer(component_name="ExerciseSummary")
class ExerciseOutput(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    difficulty = serializers.ChoiceField(choices=Difficulty.choices)
    order = serializers.IntegerField()
    course = serializers.CharField()
    module = serializers.CharField()
    lesson = serializers.CharField()
    lesson_title = serializers.CharField()
    time_limit_seconds = serializers.IntegerField()
    visible_test_count = serializers.IntegerField()
    hidden_test_count = serializers.IntegerField()
    progress = serializers.CharField(allow_null=True, help_text=PROGRESS_HELP)
    url = serializers.CharField(help_text="The exercise's page.")


@extend_schema_serializer(component_name="VisibleCheck")
class VisibleCheckOutput(serializers.Serializer):
    check = serializers.CharField(help_text="What the check observes, as the test names it.")
    expected = serializers.CharField(help_text="The expected value, as Python prints it.")


@extend_schema_serializer(component_name="VisibleTest")
class VisibleTestOutput(serializers.Serializer):
    test = serializers.CharField(help_text="The visible test's name.")
    checks = VisibleCheckOutput(many=True)


@extend_schema_serializer(component_name="ExerciseDetail")
class ExerciseDetailOutput(ExerciseOutput):
    prompt_html = serializers.CharField(help_text="Sanitised HTML.")
    starter_code = serializers.CharField()
    test_visible = serializers.CharField(help_text="The visible tests' source (test_visible.py).")
    visible_checks = VisibleTestOutput(
        many=True,
        help_text="What each visible test checks and the value it expects there (the "
        "reference solution's). Hidden tests' expected values are never sent.",
    )


@extend_schema_serializer(component_name="RunTest")
class RunTestOutput(serializers.Serializer):
    name = serializers.CharField(help_text='A visible test\'s name, or "hidden test N".')
    outcome = serializers.ChoiceField(choices=["passed", "failed", "error", "timeout"])
    duration_ms = serializers.IntegerField()
    message = serializers.CharField(help_text="Why it failed (always empty for hidden tests).")
    hidden = serializers.BooleanField()


@extend_schema_serializer(component_name="RunSummary")
class RunOutput(serializers.Serializer):
    id = serializers.IntegerField()
    exercise = serializers.CharField()
    mode = serializers.ChoiceField(choices=Mode.choices)
    status = serializers.ChoiceField(choices=RunStatus.choices)
    seq = serializers.IntegerField(help_text="Bumped by every change (as on the websocket).")
    passed = serializers.IntegerField()
    total = serializers.IntegerField(help_text="Tests expected, then tests run.")
    reason = serializers.CharField(help_text="Why, in words, when not passed.")
    duration_ms = serializers.IntegerField(allow_null=True)
    queued_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    url = serializers.CharField(help_text="The run's page.")


@extend_schema_serializer(component_name="RunDetail")
class RunDetailOutput(RunOutput):
    code = serializers.CharField()
    tests = RunTestOutput(many=True)
    output = serializers.CharField(help_text="What the code printed (capped at 64 KB).")


@extend_schema_serializer(
    component_name="RunCreateInput",
    examples=[
        OpenApiExample(
            "Run the visible tests",
            value={
                "code": "def add(a, b):\n    return a + b\n",
                "mode": "run",
                "key": "5f0c1a52-7c1e-4d8e-9a51-1f0e6f4b2c3d",
            },
            request_only=True,
        )
    ],
)
class RunCreateInput(serializers.Serializer):
    code = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        max_length=MAX_CODE_BYTES,
        help_text="Your solution.py (at most 64 KB of UTF-8).",
    )
    mode = serializers.ChoiceField(
        choices=Mode.choices, help_text="run: the visible tests; submit: every test."
    )
    key = serializers.RegexField(
        r"^[A-Za-z0-9_.:-]{8,64}$",
        required=False,
        help_text=(
            "An idempotency key (a UUID will do): sending the same key again returns the "
            "run it created instead of starting another."
        ),
    )


EXERCISE = path_slug("slug", "The exercise.", "latency-percentiles")


class ExerciseListApi(APIView):
    pagination_class = Pagination  # documents the paginated envelope

    class Filters(serializers.Serializer):
        module = serializers.SlugField(required=False, help_text="A module's slug.")
        difficulty = serializers.ChoiceField(choices=Difficulty.choices, required=False)

    @extend_schema(
        operation_id="exercises_list",
        summary="List the published code exercises, in course order",
        tags=["exercises"],
        parameters=[Filters],
        responses={200: ExerciseOutput(many=True), **error_responses(400, 401, 429)},
    )
    def get(self, request: Request) -> Response:
        filters = self.Filters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.exercise_list_published(
                user=request.user,
                module_slug=filters.validated_data.get("module"),
                difficulty=filters.validated_data.get("difficulty"),
            ),
            request,
            view=self,
        )
        return paginator.get_paginated_response(
            [selectors.exercise_public(exercise) for exercise in page or []]
        )


class ExerciseDetailApi(APIView):
    @extend_schema(
        operation_id="exercises_retrieve",
        summary="An exercise: prompt, starter code and visible tests (never the hidden ones)",
        tags=["exercises"],
        parameters=[EXERCISE],
        responses={200: ExerciseDetailOutput, **error_responses(401, 404, 429)},
    )
    def get(self, request: Request, slug: str) -> Response:
        exercise = selectors.exercise_get_published(slug=slug, user=request.user)
        return Response(selectors.exercise_detail_public(exercise))


class RunCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="runs_create",
        summary="Run your code against the exercise's tests (queued; follow it by id)",
        description=(
            "Answers 202 with the queued run (or, for a key already used, the run it "
            "created). Follow it on the websocket `/ws/exercises/runs/<id>/` or poll "
            "`GET /api/v1/runs/<id>/`. One run at a time per learner: another while one is "
            "queued or running is a 409 (`run_in_progress`); too many runs in a short time "
            "a 429; code over 64 KB a 400 (`code_too_large`)."
        ),
        tags=["runs"],
        parameters=[EXERCISE],
        request=RunCreateInput,
        responses={202: RunDetailOutput, **error_responses(400, 401, 404, 409, 429)},
    )
    def post(self, request: Request, slug: str) -> Response:
        payload = RunCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            run = services.run_create(
                user=request.user,
                exercise_slug=slug,
                code=data["code"],
                mode=data["mode"],
                key=data.get("key") or uuid.uuid4().hex,
            )
        except TooManyRuns as exc:  # DRF's 429: the Retry-After header, the throttled code
            raise exceptions.Throttled(wait=exc.extra["retry_after"], detail=exc.message) from exc
        return Response(selectors.run_public(run), status=status.HTTP_202_ACCEPTED)


class RunListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination

    class Filters(serializers.Serializer):
        exercise = serializers.SlugField(required=False, help_text="An exercise's slug.")
        mode = serializers.ChoiceField(choices=Mode.choices, required=False)

    @extend_schema(
        operation_id="runs_list",
        summary="Your runs, newest first",
        tags=["runs"],
        parameters=[Filters],
        responses={200: RunOutput(many=True), **error_responses(400, 401, 429)},
    )
    def get(self, request: Request) -> Response:
        filters = self.Filters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.run_list_for_user(
                user=request.user,
                exercise_slug=filters.validated_data.get("exercise"),
                mode=filters.validated_data.get("mode"),
            ),
            request,
            view=self,
        )
        return paginator.get_paginated_response(
            [selectors.run_public(run, detail=False) for run in page or []]
        )


class RunDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="runs_retrieve",
        summary="One of your runs: status, each test's result and the output",
        tags=["runs"],
        responses={200: RunDetailOutput, **error_responses(401, 404, 429)},
    )
    def get(self, request: Request, pk: int) -> Response:
        run = selectors.run_get_for_user(user=request.user, run_id=pk)
        return Response(selectors.run_public(run))


# --------------------------------------------------------------------------- lesson examples


@extend_schema_serializer(component_name="BlockRun")
class BlockRunOutput(serializers.Serializer):
    id = serializers.IntegerField()
    block = serializers.IntegerField(help_text="The example's number in its lesson (from 0).")
    block_hash = serializers.CharField(help_text="The author's code it ran against.")
    edited = serializers.BooleanField(help_text="Whether your edit ran, not the author's code.")
    status = serializers.ChoiceField(choices=BlockRunStatus.choices)
    seq = serializers.IntegerField(help_text="Bumped by every change (as on the websocket).")
    code = serializers.CharField()
    output = serializers.CharField(help_text="stdout and stderr (capped at 64 KB).")
    exit_code = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(help_text="Why, in words, when it did not finish cleanly.")
    duration_ms = serializers.IntegerField(allow_null=True)
    queued_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(component_name="BlockRunCreateInput")
class BlockRunCreateInput(serializers.Serializer):
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=MAX_CODE_BYTES,
        help_text="Your edit of the example; omit it to run the author's code.",
    )
    block_hash = serializers.RegexField(
        r"^[0-9a-f]{16}$",
        required=False,
        help_text="The example's hash as the page showed it: a 409 when it has changed.",
    )
    key = serializers.RegexField(
        r"^[A-Za-z0-9_.:-]{8,64}$",
        required=False,
        help_text="An idempotency key (a UUID will do).",
    )


class LessonBlockRunApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="lesson_block_run",
        summary="Run one of a lesson's runnable examples (queued; follow it by id)",
        description=(
            "Runs the author's code, or your edit of it, in the exercises' sandbox, and "
            "replaces your previous run of this example. Answers 202 with the queued run. "
            "Follow it on the websocket `/ws/exercises/block-runs/<id>/` or poll "
            "`GET /api/v1/block-runs/<id>/`. The exercises' limits apply: one run at a time "
            "per learner (409 `run_in_progress`), the run rate limit (429); an unknown "
            "example is a 404, a changed one a 409 (`block_changed`)."
        ),
        tags=["runs"],
        request=BlockRunCreateInput,
        responses={202: BlockRunOutput, **error_responses(400, 401, 404, 409, 429)},
    )
    def post(self, request: Request, course: str, module: str, lesson: str, block: int) -> Response:
        payload = BlockRunCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            run = services.block_run_create(
                user=request.user,
                course_slug=course,
                module_slug=module,
                lesson_slug=lesson,
                block=block,
                code=data.get("code"),
                block_hash=data.get("block_hash"),
                key=data.get("key") or uuid.uuid4().hex,
            )
        except TooManyRuns as exc:
            raise exceptions.Throttled(wait=exc.extra["retry_after"], detail=exc.message) from exc
        return Response(selectors.block_run_public(run), status=status.HTTP_202_ACCEPTED)


class BlockRunDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="block_runs_retrieve",
        summary="One of your runs of a lesson's example: status and output",
        tags=["runs"],
        responses={200: BlockRunOutput, **error_responses(401, 404, 429)},
    )
    def get(self, request: Request, pk: int) -> Response:
        run = selectors.block_run_get_for_user(user=request.user, run_id=pk)
        return Response(selectors.block_run_public(run))
