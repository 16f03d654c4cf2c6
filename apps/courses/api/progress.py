"""REST: a learner's progress (lessons completed, module quiz scores) and marking lessons."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.courses import selectors, services


class ModuleQuizScore(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    best = serializers.FloatField(allow_null=True, help_text="Best percentage, if any.")
    last = serializers.FloatField(allow_null=True, help_text="Latest percentage, if any.")
    passed = serializers.BooleanField()


class ModuleProgressOutput(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    completed = serializers.IntegerField()
    total = serializers.IntegerField()
    quiz = ModuleQuizScore(allow_null=True)


class CourseProgressOutput(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    completed = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    modules = ModuleProgressOutput(many=True)


class ProgressApi(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        courses = selectors.progress_overview(user=request.user)
        return Response({"results": CourseProgressOutput(courses, many=True).data})


class LessonProgressApi(APIView):
    permission_classes = [IsAuthenticated]

    class Input(serializers.Serializer):
        completed = serializers.BooleanField()

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
