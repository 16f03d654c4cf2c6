"""REST: courses, their outline and lessons (published only; Markdown source for authors)."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.pagination import Pagination
from apps.courses import selectors


class CourseListApi(APIView):
    class Output(serializers.Serializer):
        slug = serializers.CharField()
        title = serializers.CharField()
        summary = serializers.CharField()
        module_count = serializers.IntegerField()
        lesson_count = serializers.IntegerField()
        url = serializers.CharField(source="get_absolute_url")

    def get(self, request: Request) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.course_list_published(), request, view=self)
        return paginator.get_paginated_response(self.Output(page, many=True).data)


class LessonSummary(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    reading_minutes = serializers.IntegerField()
    url = serializers.CharField(source="get_absolute_url")


class CourseOutlineApi(APIView):
    class ModuleOutput(serializers.Serializer):
        slug = serializers.CharField(source="module.slug")
        title = serializers.CharField(source="module.title")
        summary = serializers.CharField(source="module.summary")
        lessons = LessonSummary(many=True)
        completed = serializers.IntegerField()
        total = serializers.IntegerField()

    def get(self, request: Request, slug: str) -> Response:
        course = selectors.course_get_published(slug=slug)
        outline = selectors.course_outline(course=course, user=request.user)
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

    def get(self, request: Request, course: str, module: str, lesson: str) -> Response:
        lesson_obj = selectors.lesson_get_published(
            course_slug=course, module_slug=module, lesson_slug=lesson
        )
        data = dict(self.Output(lesson_obj).data)
        if request.user.has_perm("courses.change_lesson"):
            data["body_md"] = lesson_obj.body_md  # the Markdown source, for authors only
        return Response(data)


class LessonSearchApi(APIView):
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
