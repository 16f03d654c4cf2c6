"""REST: quizzes, their questions (no keys), attempts (start, save, submit, result).

Views translate HTTP to the quiz services and selectors and back; every rule (who may
see what, when keys leave the server, attempt limits, deadlines, grading) lives there.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.pagination import Pagination
from apps.core.api.schema import error_responses, path_slug
from apps.quizzes import selectors, services
from apps.quizzes.models import Attempt, AttemptStatus, QuizKind


@extend_schema_serializer(component_name="QuizSummary")
class QuizOutput(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField()
    course = serializers.CharField(source="course.slug")
    module = serializers.SerializerMethodField()
    question_count = serializers.SerializerMethodField()
    pass_mark = serializers.IntegerField()
    attempts_allowed = serializers.IntegerField(help_text="0 means unlimited.")
    time_limit_minutes = serializers.IntegerField(help_text="0 means untimed.")
    url = serializers.CharField(source="get_absolute_url")

    def get_module(self, quiz: Any) -> str | None:
        return quiz.module.slug if quiz.module_id else None

    def get_question_count(self, quiz: Any) -> int:
        return selectors.quiz_question_count(quiz)


@extend_schema_serializer(component_name="QuizStanding")
class StandingOutput(serializers.Serializer):
    attempts_used = serializers.IntegerField(source="used")
    attempts_left = serializers.IntegerField(source="left", allow_null=True)
    best_percent = serializers.FloatField(source="best", allow_null=True)
    last_percent = serializers.FloatField(source="last", allow_null=True)
    passed = serializers.BooleanField()
    open_attempt = serializers.SerializerMethodField()

    def get_open_attempt(self, standing: Any) -> int | None:
        return standing.open_attempt.pk if standing.open_attempt else None


@extend_schema_serializer(component_name="QuestionChoice")
class ChoiceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    text_html = serializers.CharField()


@extend_schema_serializer(component_name="Question")
class QuestionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    type = serializers.CharField()
    prompt_html = serializers.CharField()
    points = serializers.FloatField()
    choices = ChoiceOutput(many=True)

    def to_representation(self, question: Any) -> dict[str, Any]:
        # Read-only: the fields above document it; building the dict directly skips a
        # field lookup per attribute (tests/core/test_floor.py compares the bytes).
        return {
            "id": question.id,
            "number": question.number,
            "type": question.type,
            "prompt_html": question.prompt_html,
            "points": float(question.points),
            "choices": [{"id": c.id, "text_html": c.text_html} for c in question.choices],
        }


@extend_schema_serializer(component_name="AttemptQuestion")
class AttemptQuestionOutput(QuestionOutput):
    response = serializers.JSONField(allow_null=True, help_text="The saved answer, if any.")

    def to_representation(self, question: Any) -> dict[str, Any]:
        return serializers.Serializer.to_representation(self, question)


@extend_schema_serializer(component_name="AttemptSummary")
class AttemptSummaryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    quiz = serializers.CharField(source="quiz.slug")
    number = serializers.IntegerField()
    status = serializers.CharField()
    started_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    score = serializers.FloatField(allow_null=True)
    max_score = serializers.FloatField()
    percent = serializers.FloatField(allow_null=True)
    passed = serializers.BooleanField(allow_null=True)


@extend_schema_serializer(component_name="AttemptDetail")
class AttemptDetailOutput(AttemptSummaryOutput):
    questions = AttemptQuestionOutput(many=True)


@extend_schema_serializer(component_name="ReviewChoice")
class ReviewChoiceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    text_html = serializers.CharField()
    chosen = serializers.BooleanField()
    is_correct = serializers.BooleanField(allow_null=True, help_text="Null until revealed.")
    feedback = serializers.CharField()


@extend_schema_serializer(component_name="ReviewQuestion")
class ReviewQuestionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    type = serializers.CharField()
    prompt_html = serializers.CharField()
    points = serializers.FloatField()
    score = serializers.FloatField()
    correct = serializers.BooleanField()
    answered = serializers.BooleanField()
    your_answer = serializers.CharField()
    choices = ReviewChoiceOutput(many=True)
    correct_answer = serializers.CharField(help_text="Empty until revealed.")
    explanation_html = serializers.CharField(help_text="Empty until revealed.")


@extend_schema_serializer(component_name="AttemptResult")
class AttemptResultOutput(AttemptSummaryOutput):
    revealed = serializers.BooleanField(help_text="Whether answer keys are included.")
    questions = ReviewQuestionOutput(many=True)


@extend_schema_serializer(component_name="AnswersInput")
class AnswersInput(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(),
        help_text=(
            'Keyed by question id. Single choice {"choice": id}; multiple {"choices": [ids]}; '
            'true/false {"value": bool}; numeric {"value": number}; short text {"text": str}; '
            'ordering {"order": [ids]}.'
        ),
    )


@extend_schema_serializer(component_name="SubmitInput")
class SubmitInput(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Answers to save before grading (same format as the answers endpoint).",
    )


@extend_schema_serializer(component_name="QuizDetail")
class QuizDetailSchema(QuizOutput):
    standing = StandingOutput(allow_null=True, help_text="Your attempts; null when anonymous.")


@extend_schema_serializer(component_name="QuizQuestions")
class QuizQuestionsSchema(serializers.Serializer):
    quiz = serializers.CharField()
    results = QuestionOutput(many=True)


QUIZ = path_slug("slug", "The quiz.", "concurrency-quiz")
ATTEMPT_ERRORS = error_responses(401, 404, 429)


def attempt_detail_data(attempt: Attempt) -> dict[str, Any]:
    data = dict(AttemptSummaryOutput(attempt).data)
    data["questions"] = AttemptQuestionOutput(
        selectors.attempt_questions_public(attempt), many=True
    ).data
    return data


def attempt_result_data(attempt: Attempt) -> dict[str, Any]:
    selectors.attempt_require_submitted(attempt)
    data = dict(AttemptSummaryOutput(attempt).data)
    data["revealed"] = selectors.reveal_allowed(attempt)
    data["questions"] = ReviewQuestionOutput(selectors.attempt_review(attempt), many=True).data
    return data


class QuizListApi(APIView):
    pagination_class = Pagination

    class Filters(serializers.Serializer):
        course = serializers.SlugField(required=False)
        kind = serializers.ChoiceField(choices=QuizKind.choices, required=False)
        ordering = serializers.ChoiceField(
            choices=list(selectors.QUIZ_ORDERINGS), required=False, default="position"
        )

    @extend_schema(
        operation_id="quizzes_list",
        summary="List the published quizzes",
        tags=["quizzes"],
        parameters=[Filters],
        responses={200: QuizOutput(many=True), **error_responses(400, 401, 429)},
    )
    def get(self, request: Request) -> Response:
        filters = self.Filters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.quiz_list_published(
                course_slug=filters.validated_data.get("course"),
                kind=filters.validated_data.get("kind"),
                ordering=filters.validated_data["ordering"],
            ),
            request,
            view=self,
        )
        return paginator.get_paginated_response(QuizOutput(page, many=True).data)


class QuizDetailApi(APIView):
    @extend_schema(
        operation_id="quizzes_retrieve",
        summary="A quiz, and your standing in it",
        tags=["quizzes"],
        parameters=[QUIZ],
        responses={200: QuizDetailSchema, **error_responses(401, 404, 429)},
    )
    def get(self, request: Request, slug: str) -> Response:
        quiz = selectors.quiz_get_published(slug=slug)
        data = dict(QuizOutput(quiz).data)
        data["standing"] = (
            StandingOutput(selectors.quiz_standing(user=request.user, quiz=quiz)).data
            if request.user.is_authenticated
            else None
        )
        return Response(data)


class QuizQuestionsApi(APIView):
    @extend_schema(
        operation_id="quizzes_questions",
        summary="An untimed quiz's questions and choices (never the answer keys)",
        tags=["quizzes"],
        parameters=[QUIZ],
        responses={200: QuizQuestionsSchema, **error_responses(401, 403, 404, 429)},
    )
    def get(self, request: Request, slug: str) -> Response:
        quiz, questions = selectors.quiz_questions_published(slug=slug)
        return Response({"quiz": quiz.slug, "results": QuestionOutput(questions, many=True).data})


class AttemptStartApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="attempts_start",
        summary="Start an attempt at a quiz (201), or resume the one in progress (200)",
        tags=["attempts"],
        parameters=[QUIZ],
        request=None,
        responses={
            200: AttemptDetailOutput,
            201: AttemptDetailOutput,
            **error_responses(401, 403, 404, 429),
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        quiz = selectors.quiz_get_published(slug=slug)
        attempt, resumed = services.attempt_begin(user=request.user, quiz=quiz)
        return Response(
            attempt_detail_data(attempt),
            status=status.HTTP_200_OK if resumed else status.HTTP_201_CREATED,
        )


class AttemptListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination

    class Filters(serializers.Serializer):
        quiz = serializers.SlugField(required=False)
        status = serializers.ChoiceField(choices=AttemptStatus.choices, required=False)

    @extend_schema(
        operation_id="attempts_list",
        summary="Your attempts, newest first",
        tags=["attempts"],
        parameters=[Filters],
        responses={200: AttemptSummaryOutput(many=True), **error_responses(400, 401, 429)},
    )
    def get(self, request: Request) -> Response:
        filters = self.Filters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.attempt_list_for_user(
                user=request.user,
                quiz_slug=filters.validated_data.get("quiz"),
                status=filters.validated_data.get("status"),
            ),
            request,
            view=self,
        )
        return paginator.get_paginated_response(AttemptSummaryOutput(page, many=True).data)


class AttemptDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="attempts_retrieve",
        summary="One of your attempts: its questions (no keys) and saved answers",
        tags=["attempts"],
        responses={200: AttemptDetailOutput, **ATTEMPT_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        attempt = selectors.attempt_get_for_user(user=request.user, attempt_id=pk)
        services.attempt_expire_if_due(attempt)
        return Response(attempt_detail_data(attempt))


class AttemptAnswersApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="attempts_answers",
        summary="Save answers (not graded yet); one bad answer refuses them all",
        tags=["attempts"],
        request=AnswersInput,
        responses={200: AttemptDetailOutput, **error_responses(400, 401, 404, 409, 429)},
    )
    def patch(self, request: Request, pk: int) -> Response:
        payload = AnswersInput(data=request.data)
        payload.is_valid(raise_exception=True)
        attempt = services.attempt_save_answers(
            user=request.user, attempt_id=pk, answers=payload.validated_data["answers"]
        )
        return Response(attempt_detail_data(attempt))


class AttemptSubmitApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="attempts_submit",
        summary="Submit an attempt for grading (idempotent)",
        tags=["attempts"],
        request=SubmitInput,
        responses={200: AttemptResultOutput, **error_responses(400, 401, 404, 409, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        payload = SubmitInput(data=request.data)
        payload.is_valid(raise_exception=True)
        attempt = services.attempt_submit(
            user=request.user, attempt_id=pk, answers=payload.validated_data.get("answers")
        )
        return Response(attempt_result_data(attempt))


class AttemptResultApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="attempts_result",
        summary="A submitted attempt's result (answer keys when the quiz reveals them)",
        tags=["attempts"],
        responses={200: AttemptResultOutput, **error_responses(401, 404, 409, 429)},
    )
    def get(self, request: Request, pk: int) -> Response:
        attempt = selectors.attempt_get_for_user(user=request.user, attempt_id=pk)
        services.attempt_expire_if_due(attempt)
        return Response(attempt_result_data(attempt))
