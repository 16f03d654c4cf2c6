"""REST: a learner's progress (lessons completed, module quiz scores) and marking lessons."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.schema import error_responses, path_slug
from apps.courses import selectors, services


@extend_schema_serializer(component_name="ModuleQuizScore")
class ModuleQuizScore(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    best = serializers.FloatField(allow_null=True, help_text="Best percentage, if any.")
    last = serializers.FloatField(allow_null=True, help_text="Latest percentage, if any.")
    passed = serializers.BooleanField()


@extend_schema_serializer(component_name="ModuleExercises")
class ModuleExercises(serializers.Serializer):
    solved = serializers.IntegerField(help_text="Exercises with a passing submission.")
    total = serializers.IntegerField(help_text="Published exercises in the module.")


@extend_schema_serializer(component_name="ModuleProgress")
class ModuleProgressOutput(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    completed = serializers.IntegerField()
    total = serializers.IntegerField()
    quiz = ModuleQuizScore(allow_null=True)
    exercises = ModuleExercises()


@extend_schema_serializer(component_name="CourseProgressReport")
class CourseProgressOutput(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    completed = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    modules = ModuleProgressOutput(many=True)


@extend_schema_serializer(component_name="ProgressReport")
class ProgressSchema(serializers.Serializer):
    results = CourseProgressOutput(many=True)


@extend_schema_serializer(component_name="LessonProgressResult")
class LessonProgressSchema(serializers.Serializer):
    course = serializers.CharField()
    module = serializers.CharField()
    lesson = serializers.CharField()
    completed = serializers.BooleanField()
    progress = serializers.DictField(
        child=serializers.IntegerField(), help_text="completed and total lessons in the course"
    )


class ProgressApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="progress_report",
        summary=(
            "Your progress in every course: lessons completed, module quiz scores and code "
            "exercises solved"
        ),
        tags=["progress"],
        responses={200: ProgressSchema, **error_responses(401, 429)},
    )
    def get(self, request: Request) -> Response:
        courses = selectors.progress_overview(user=request.user)
        return Response({"results": CourseProgressOutput(courses, many=True).data})


class LessonProgressApi(APIView):
    permission_classes = [IsAuthenticated]

    class Input(serializers.Serializer):
        completed = serializers.BooleanField()

    @extend_schema(
        operation_id="progress_lesson_set",
        summary=(
            "Mark a lesson completed, or not completed (idempotent); refused (409) while its "
            "checks are not all answered correctly"
        ),
        tags=["progress"],
        parameters=[
            path_slug("course", "The course.", "python-backend-engineering"),
            path_slug("module", "The module.", "concurrency"),
            path_slug("lesson", "The lesson.", "the-gil-explained"),
        ],
        request=Input,
        responses={200: LessonProgressSchema, **error_responses(400, 401, 404, 409, 429)},
    )
    def put(self, request: Request, course: str, module: str, lesson: str) -> Response:
        payload = self.Input(data=request.data)
        payload.is_valid(raise_exception=True)
        lesson_obj = selectors.lesson_get_published(
            course_slug=course, module_slug=module, lesson_slug=lesson
        )
        completed = payload.validated_data["completed"]
        services.lesson_progress_set(user=request.user, lesson=lesson_obj, completed=completed)
        outline = selectors.course_outline(course=lesson_obj.module.course, user=request.user)
        return Response(
            {
                "course": course,
                "module": module,
                "lesson": lesson,
                "completed": completed,
                "progress": {"completed": outline.completed, "total": outline.total},
            }
        )
