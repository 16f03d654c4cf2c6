"""REST: a lesson's checks (no keys; the viewer's answers) and answering one."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.checks import selectors, services
from apps.core.api.schema import error_responses, path_slug
from apps.courses import selectors as course_selectors


@extend_schema_serializer(component_name="LessonCheckChoice")
class CheckChoiceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    text_html = serializers.CharField(help_text="Sanitised HTML.")
    picked = serializers.BooleanField(help_text="In the viewer's latest answer.")
    correct = serializers.BooleanField(
        allow_null=True, help_text="Known once the viewer has answered the check correctly."
    )
    feedback = serializers.CharField(help_text="For the picked choices, after an answer.")


@extend_schema_serializer(component_name="LessonCheck")
class CheckOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField(help_text="Its position in the lesson, from 1.")
    type = serializers.CharField()
    prompt_html = serializers.CharField(help_text="Sanitised HTML.")
    choices = CheckChoiceOutput(many=True)
    answered = serializers.BooleanField(help_text="The viewer has answered at least once.")
    correct = serializers.BooleanField(help_text="The viewer has answered correctly (closed).")
    tries = serializers.IntegerField()
    first_correct = serializers.BooleanField(help_text="The viewer's first answer was right.")
    response = serializers.JSONField(allow_null=True, help_text="The viewer's latest answer.")
    explanation_html = serializers.CharField(help_text="Empty until the viewer has answered.")


@extend_schema_serializer(component_name="LessonCheckList")
class CheckListOutput(serializers.Serializer):
    results = CheckOutput(many=True)


class LessonChecksApi(APIView):
    @extend_schema(
        operation_id="lesson_checks_list",
        summary="A published lesson's checks, with your answers (no answer keys)",
        tags=["lessons"],
        parameters=[
            path_slug("course", "The course.", "python-backend-engineering"),
            path_slug("module", "The module.", "concurrency"),
            path_slug("lesson", "The lesson.", "the-gil-explained"),
        ],
        responses={200: CheckListOutput, **error_responses(401, 404, 429)},
    )
    def get(self, request: Request, course: str, module: str, lesson: str) -> Response:
        lesson_obj = course_selectors.lesson_get_published(
            course_slug=course, module_slug=module, lesson_slug=lesson
        )
        checks = selectors.lesson_checks(lesson_id=lesson_obj.pk, user=request.user)
        return Response({"results": CheckOutput(checks, many=True).data})


class CheckAnswerApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="LessonCheckAnswerInput")
    class Input(serializers.Serializer):
        response = serializers.JSONField(
            help_text=(
                'Single choice {"choice": id}; multiple {"choices": [ids]}; true/false '
                '{"value": bool}; numeric {"value": number}; short text {"text": str}; '
                'ordering {"order": [ids]}.'
            )
        )

    @extend_schema(
        operation_id="lesson_check_answer",
        summary=(
            "Answer a check: graded at once; you may answer again until you are right, and "
            "the first correct answer counts"
        ),
        tags=["lessons"],
        request=Input,
        responses={200: CheckOutput, **error_responses(400, 401, 404, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        payload = self.Input(data=request.data)
        payload.is_valid(raise_exception=True)
        check, answer = services.check_answer(
            user=request.user, check_id=pk, response=payload.validated_data["response"]
        )
        return Response(CheckOutput(selectors.check_view(check=check, answer=answer)).data)
