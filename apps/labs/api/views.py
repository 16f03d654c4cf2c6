"""REST: code labs. Hosts start labs, drive them (pause, resume, end, hints, unlocking
the reference solution) and read the results; learners join and run code in them.

Views translate HTTP to the lab services and selectors and back; the live board and
each learner's panel are on the websockets ``/ws/labs/<code>/host/`` and
``/ws/labs/<code>/``.
"""

from __future__ import annotations

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.pagination import Pagination
from apps.core.api.schema import error_responses, path_slug
from apps.core.http import client_ip
from apps.exercises import selectors as exercise_selectors
from apps.exercises.api.views import RunCreateInput, RunDetailOutput
from apps.exercises.errors import TooManyRuns
from apps.labs import selectors, services
from apps.labs.models import CODE_LENGTH, Lab, LabStatus

CODE = OpenApiParameter(
    "code",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The lab's join code.",
    pattern=f"^[A-Za-z0-9]{{{CODE_LENGTH}}}$",
    examples=[OpenApiExample("A join code", value="ACDEFG")],
)


@extend_schema_serializer(component_name="Lab")
class LabOutput(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=LabStatus.choices)
    exercises = serializers.ListField(child=serializers.CharField(), help_text="In order.")
    stuck_minutes = serializers.IntegerField()
    stuck_failures = serializers.IntegerField()
    class_id = serializers.IntegerField(allow_null=True, help_text="Only its members may join.")
    elapsed_seconds = serializers.IntegerField(help_text="Running time, pauses left out.")
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    url = serializers.CharField(help_text="The learners' page (the join link).")


def lab_output(lab: Lab, slugs: list[str] | None = None) -> dict:
    if slugs is None:
        slugs = [item.exercise.slug for item in selectors.lab_items(lab)]
    return {
        "code": lab.code,
        "title": lab.title,
        "status": lab.status,
        "exercises": slugs,
        "stuck_minutes": lab.stuck_minutes,
        "stuck_failures": lab.stuck_failures,
        "class_id": lab.classroom_id,
        "elapsed_seconds": selectors.elapsed_seconds(lab),
        "started_at": lab.started_at,
        "ended_at": lab.ended_at,
        "url": lab.get_absolute_url(),
    }


class LabListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination

    @extend_schema_serializer(component_name="LabStartInput")
    class Input(serializers.Serializer):
        exercises = serializers.ListField(
            child=serializers.SlugField(max_length=100),
            min_length=1,
            max_length=services.MAX_EXERCISES,
            help_text="The exercises' slugs, in the order the room works through them.",
        )
        title = serializers.CharField(max_length=200, required=False, allow_blank=True)
        stuck_minutes = serializers.IntegerField(min_value=1, max_value=120, required=False)
        stuck_failures = serializers.IntegerField(min_value=2, max_value=50, required=False)
        class_id = serializers.IntegerField(
            min_value=1,
            required=False,
            allow_null=True,
            help_text="One of your classes (as instructor or assistant): only its members join.",
        )

    @extend_schema_serializer(component_name="HostedLab")
    class Item(serializers.Serializer):
        code = serializers.CharField()
        title = serializers.CharField()
        status = serializers.ChoiceField(choices=LabStatus.choices)
        learners = serializers.IntegerField(source="learner_total")
        started_at = serializers.DateTimeField()
        ended_at = serializers.DateTimeField(allow_null=True)

    @extend_schema(
        operation_id="labs_hosted",
        summary="Code labs you hosted, newest first",
        tags=["labs"],
        responses={200: Item(many=True), **error_responses(401, 429)},
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.labs_hosted(user=request.user), request, view=self
        )
        return paginator.get_paginated_response(self.Item(page, many=True).data)

    @extend_schema(
        operation_id="labs_create",
        summary="Start a code lab of one exercise or an ordered set",
        tags=["labs"],
        request=Input,
        responses={201: LabOutput, **error_responses(400, 401, 403, 404, 429)},
    )
    def post(self, request: Request) -> Response:
        payload = self.Input(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        lab = services.lab_create(
            host=request.user,
            exercise_slugs=data["exercises"],
            title=data.get("title", ""),
            stuck_minutes=data.get("stuck_minutes"),
            stuck_failures=data.get("stuck_failures"),
            class_id=data.get("class_id"),
        )
        return Response(lab_output(lab), status=status.HTTP_201_CREATED)


class LabJoinApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="labs_join",
        summary="Take a seat in a running code lab (again: the same seat)",
        tags=["labs"],
        parameters=[CODE],
        request=None,
        responses={200: LabOutput, **error_responses(401, 404, 409, 429)},
    )
    def post(self, request: Request, code: str) -> Response:
        lab = services.lab_for_code(code=code, address=client_ip(request))
        services.lab_join(lab_id=lab.pk, user=request.user)
        return Response(lab_output(lab))


class LabRunCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="LabRun")
    class Output(RunDetailOutput):
        queue_position = serializers.IntegerField(
            allow_null=True, help_text="Your place in the sandbox queue (1: next to start)."
        )

    @extend_schema(
        operation_id="labs_runs_create",
        summary="Run your code in a lab (an ordinary run, also counted on the lab's board)",
        description=(
            "Answers 202 with the queued run and your place in the sandbox queue. One run at "
            "a time per learner (409 `run_in_progress`); a paused lab refuses runs (409 "
            "`lab_paused`), an ended one too (409 `lab_ended`)."
        ),
        tags=["labs"],
        parameters=[CODE, path_slug("slug", "One of the lab's exercises.", "latency-percentiles")],
        request=RunCreateInput,
        responses={202: Output, **error_responses(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, code: str, slug: str) -> Response:
        payload = RunCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        lab = selectors.lab_by_code(code=code, active_only=False)
        try:
            run = services.lab_run_create(
                lab_id=lab.pk,
                user=request.user,
                exercise_slug=slug,
                code=data["code"],
                mode=data["mode"],
                key=data.get("key") or uuid.uuid4().hex,
            )
        except TooManyRuns as exc:
            raise exceptions.Throttled(wait=exc.extra["retry_after"], detail=exc.message) from exc
        learner = selectors.learner_for(lab=lab, user=request.user)
        body = exercise_selectors.run_public(run)
        body["queue_position"] = (
            selectors.queue_position(lab=lab, learner=learner) if run.in_flight else None
        )
        return Response(body, status=status.HTTP_202_ACCEPTED)


class LabActionApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="LabActionInput")
    class Input(serializers.Serializer):
        action = serializers.ChoiceField(choices=services.HOST_ACTIONS)
        message = serializers.CharField(
            max_length=200, required=False, allow_blank=True, help_text="Shown while paused."
        )

    @extend_schema(
        operation_id="labs_action",
        summary="Pause (editing and runs locked, a message shown), resume or end a lab",
        tags=["labs"],
        parameters=[CODE],
        request=Input,
        responses={200: LabOutput, **error_responses(400, 401, 403, 404, 429)},
    )
    def post(self, request: Request, code: str) -> Response:
        payload = self.Input(data=request.data)
        payload.is_valid(raise_exception=True)
        lab = selectors.lab_by_code(code=code, active_only=False)
        lab = services.lab_host_action(
            lab_id=lab.pk,
            user=request.user,
            action=payload.validated_data["action"],
            message=payload.validated_data.get("message", ""),
        )
        return Response(lab_output(lab))


class LabHintApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="LabHintInput")
    class Input(serializers.Serializer):
        text = serializers.CharField(max_length=services.MAX_HINT_CHARS)
        learner = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, help_text="Empty: everyone."
        )

    @extend_schema_serializer(component_name="LabHint")
    class Output(serializers.Serializer):
        seq = serializers.IntegerField()
        text = serializers.CharField()
        learner = serializers.IntegerField(allow_null=True)

    @extend_schema(
        operation_id="labs_hint",
        summary="Send a hint to everyone in the lab or to one learner",
        tags=["labs"],
        parameters=[CODE],
        request=Input,
        responses={201: Output, **error_responses(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, code: str) -> Response:
        payload = self.Input(data=request.data)
        payload.is_valid(raise_exception=True)
        lab = selectors.lab_by_code(code=code, active_only=False)
        hint = services.lab_hint_send(
            lab_id=lab.pk,
            user=request.user,
            text=payload.validated_data["text"],
            learner_id=payload.validated_data.get("learner"),
        )
        return Response(
            {"seq": hint.seq, "text": hint.text, "learner": hint.learner_id},
            status=status.HTTP_201_CREATED,
        )


class LabUnlockApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="LabUnlockInput")
    class Input(serializers.Serializer):
        exercise = serializers.SlugField(max_length=100)

    @extend_schema(
        operation_id="labs_unlock",
        summary="Show an exercise's reference solution to the lab's learners",
        tags=["labs"],
        parameters=[CODE],
        request=Input,
        responses={200: LabOutput, **error_responses(400, 401, 403, 404, 429)},
    )
    def post(self, request: Request, code: str) -> Response:
        payload = self.Input(data=request.data)
        payload.is_valid(raise_exception=True)
        lab = selectors.lab_by_code(code=code, active_only=False)
        selectors.require_host(lab, request.user)
        item, items = selectors.lab_item_by_slug(lab=lab, slug=payload.validated_data["exercise"])
        services.lab_solution_unlock(lab_id=lab.pk, user=request.user, item_id=item.pk)
        return Response(lab_output(lab, [i.exercise.slug for i in items]))


@extend_schema_serializer(component_name="LabResult")
class LabResultOutput(serializers.Serializer):
    learner = serializers.CharField(help_text="The learner's public name.")
    username = serializers.CharField()
    position = serializers.IntegerField(help_text="The exercise's place in the lab (from 1).")
    exercise = serializers.CharField()
    runs = serializers.IntegerField()
    solved = serializers.BooleanField(help_text="A submission passed every test.")
    best_run = serializers.IntegerField(allow_null=True)
    best_mode = serializers.CharField()
    best_status = serializers.CharField()
    best_passed = serializers.IntegerField()
    best_total = serializers.IntegerField()
    seconds_to_best = serializers.IntegerField(
        allow_null=True, help_text="From the learner's start in the lab to their best run."
    )
    seconds_to_solve = serializers.IntegerField(allow_null=True)


class LabResultsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="LabWithResults")
    class Output(LabOutput):
        results = LabResultOutput(many=True)

    @extend_schema(
        operation_id="labs_results",
        summary="A lab you hosted, with each learner's best run per exercise",
        tags=["labs"],
        parameters=[CODE],
        responses={200: Output, **error_responses(401, 404, 429)},
    )
    def get(self, request: Request, code: str) -> Response:
        lab = selectors.lab_for_host(user=request.user, code=code)
        body = lab_output(lab)
        body["results"] = LabResultOutput(
            selectors.lab_results(lab=lab, user=request.user), many=True
        ).data
        return Response(body)
