"""REST: courses, their outline and lessons (published only; Markdown source for authors).

Some views build their answer as a dict; the ``*Schema`` serializers below describe those
answers for the OpenAPI schema only (schemathesis checks real responses against them).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.pagination import Pagination
from apps.core.api.schema import error_responses, path_slug
from apps.courses import selectors


@extend_schema_serializer(component_name="LessonSummary")
class LessonSummary(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    reading_minutes = serializers.IntegerField()
    url = serializers.CharField(source="get_absolute_url", help_text="The lesson's page.")

    def to_representation(self, lesson: Any) -> dict[str, Any]:
        return _lesson_summary(lesson)


def _lesson_summary(lesson: Any) -> dict[str, Any]:
    # Read-only outputs built directly: the serializer's fields document them (OpenAPI),
    # and skipping a field lookup per attribute halves the serializer's cost for 40+
    # lessons. tests/core/test_floor.py and the parity test compare the bytes.
    return {
        "slug": lesson.slug,
        "title": lesson.title,
        "summary": lesson.summary,
        "reading_minutes": lesson.reading_minutes,
        "url": lesson.get_absolute_url(),
    }


@extend_schema_serializer(component_name="ModuleOutline")
class ModuleOutline(serializers.Serializer):
    slug = serializers.CharField(source="module.slug")
    title = serializers.CharField(source="module.title")
    summary = serializers.CharField(source="module.summary")
    lessons = LessonSummary(many=True)
    completed = serializers.IntegerField(help_text="Lessons you completed (0 when anonymous).")
    total = serializers.IntegerField(help_text="Published lessons in the module.")

    def to_representation(self, entry: Any) -> dict[str, Any]:
        return {
            "slug": entry.module.slug,
            "title": entry.module.title,
            "summary": entry.module.summary,
            "lessons": [_lesson_summary(lesson) for lesson in entry.lessons],
            "completed": entry.completed,
            "total": entry.total,
        }


@extend_schema_serializer(component_name="CourseProgress")
class CourseProgressSchema(serializers.Serializer):
    completed = serializers.IntegerField()
    total = serializers.IntegerField()


@extend_schema_serializer(component_name="CourseOutline")
class CourseOutlineSchema(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    description_html = serializers.CharField(help_text="Sanitised HTML.")
    modules = ModuleOutline(many=True)
    progress = CourseProgressSchema(
        allow_null=True, help_text="Your progress in the course; null when anonymous."
    )


@extend_schema_serializer(component_name="TocEntry")
class TocEntrySchema(serializers.Serializer):
    level = serializers.IntegerField(help_text="Heading level (2 for h2, …).")
    id = serializers.CharField(help_text="The heading's anchor in `body_html`.")
    title = serializers.CharField()


@extend_schema_serializer(component_name="SearchHit")
class SearchHitSchema(LessonSummary):
    snippet_html = serializers.CharField(
        help_text="Escaped text around the matches, with `<mark>` around each match."
    )


@extend_schema_serializer(component_name="SearchResults")
class SearchResultsSchema(serializers.Serializer):
    query = serializers.CharField(help_text="The query sent (its first 200 characters).")
    results = SearchHitSchema(many=True, help_text="At most 20 lessons, best first.")


class CourseListApi(APIView):
    pagination_class = Pagination

    @extend_schema_serializer(component_name="CourseSummary")
    class Output(serializers.Serializer):
        slug = serializers.CharField()
        title = serializers.CharField()
        summary = serializers.CharField()
        module_count = serializers.IntegerField()
        lesson_count = serializers.IntegerField()
        url = serializers.CharField(source="get_absolute_url", help_text="The course's page.")

    @extend_schema(
        operation_id="courses_list",
        summary="List the published courses",
        tags=["courses"],
        responses={200: Output(many=True), **error_responses(401, 429)},
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.course_list_published(), request, view=self)
        return paginator.get_paginated_response(self.Output(page, many=True).data)


class CourseOutlineApi(APIView):
    ModuleOutput = ModuleOutline

    @extend_schema(
        operation_id="courses_retrieve",
        summary="A course's outline: modules, lessons and your progress",
        tags=["courses"],
        parameters=[path_slug("slug", "The course.", "python-backend-engineering")],
        responses={200: CourseOutlineSchema, **error_responses(401, 404, 429)},
    )
    def get(self, request: Request, slug: str) -> Response:
        course = selectors.course_get_published(slug=slug)
        outline = selectors.course_outline(course=course, user=request.user, quizzes=False)
        return Response(
            {
                "slug": course.slug,
                "title": course.title,
                "summary": course.summary,
                "description_html": course.description_html,
                "modules": self.ModuleOutput(outline.modules, many=True).data,
                "progress": {"completed": outline.completed, "total": outline.total}
                if request.user.is_authenticated
                else None,
            }
        )


class LessonDetailApi(APIView):
    class Output(serializers.Serializer):
        slug = serializers.CharField()
        title = serializers.CharField()
        summary = serializers.CharField()
        objectives = serializers.ListField(child=serializers.CharField())
        takeaways = serializers.ListField(child=serializers.CharField())
        body_html = serializers.CharField()
        toc = serializers.ListField(child=serializers.DictField())
        reading_minutes = serializers.IntegerField()
        word_count = serializers.IntegerField()
        related_matrix = serializers.ListField(child=serializers.CharField())
        module = serializers.CharField(source="module.slug")
        course = serializers.CharField(source="module.course.slug")
        url = serializers.CharField(source="get_absolute_url")

    # The response as documented: Output, with the table of contents described and the
    # Markdown source that only authors get.
    @extend_schema_serializer(component_name="Lesson")
    class Schema(Output):
        body_html = serializers.CharField(help_text="Sanitised HTML.")
        toc = TocEntrySchema(many=True, help_text="The lesson's headings, in order.")  # type: ignore[assignment]
        related_matrix = serializers.ListField(
            child=serializers.CharField(), help_text="Slugs of matrix categories it informs."
        )
        module = serializers.CharField(help_text="The module's slug.")
        course = serializers.CharField(help_text="The course's slug.")
        url = serializers.CharField(help_text="The lesson's page.")
        body_md = serializers.CharField(
            required=False,
            help_text="The Markdown source: only for authors (`courses.change_lesson`).",
        )

    @extend_schema(
        operation_id="lessons_retrieve",
        summary="A published lesson (with its Markdown source for authors)",
        tags=["lessons"],
        parameters=[
            path_slug("course", "The course.", "python-backend-engineering"),
            path_slug("module", "The module.", "concurrency"),
            path_slug("lesson", "The lesson.", "the-gil-explained"),
        ],
        responses={200: Schema, **error_responses(401, 404, 429)},
    )
    def get(self, request: Request, course: str, module: str, lesson: str) -> Response:
        lesson_obj = selectors.lesson_get_published(
            course_slug=course, module_slug=module, lesson_slug=lesson
        )
        data = dict(self.Output(lesson_obj).data)
        if request.user.has_perm("courses.change_lesson"):
            data["body_md"] = lesson_obj.body_md  # the Markdown source, for authors only
        return Response(data)


class LessonSearchApi(APIView):
    @extend_schema(
        operation_id="lessons_search",
        summary="Search the published lessons",
        tags=["lessons"],
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description=(
                    "Words to look for (only the first 200 characters count). Missing or "
                    "blank: no results."
                ),
                examples=[OpenApiExample("celery retries", value="celery retries")],
            )
        ],
        responses={200: SearchResultsSchema, **error_responses(401, 429)},
    )
    def get(self, request: Request) -> Response:
        query = str(request.query_params.get("q", ""))
        hits = selectors.lesson_search(query=query) if query.strip() else []
        return Response(
            {
                "query": query[: selectors.MAX_QUERY_LENGTH],
                "results": [
                    {**LessonSummary(hit.lesson).data, "snippet_html": hit.snippet} for hit in hits
                ],
            }
        )
