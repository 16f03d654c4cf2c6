"""Course queries: each resolver calls the selector its REST view calls."""

from __future__ import annotations

from typing import Any

import graphene
from graphql import GraphQLResolveInfo

from apps.core.api.pagination import Pagination
from apps.courses import selectors
from apps.courses.graphql.types import CourseOutlineType, CourseSummary, LessonType, SearchResults


class CourseQueries(graphene.ObjectType):
    courses = graphene.List(
        graphene.NonNull(CourseSummary),
        required=True,
        limit=graphene.Int(default_value=Pagination.default_limit),
        offset=graphene.Int(default_value=0),
        description=(
            "Published courses, in catalog order (the REST list's page: "
            f"limit {Pagination.default_limit} by default, {Pagination.max_limit} at most)."
        ),
    )
    course = graphene.Field(
        CourseOutlineType,
        slug=graphene.String(required=True),
        description="A published course's outline with the viewer's progress.",
    )
    lesson = graphene.Field(
        LessonType,
        course=graphene.String(required=True),
        module=graphene.String(required=True),
        lesson=graphene.String(required=True),
        description="A published lesson, by the slugs of its course, module and itself.",
    )
    search = graphene.Field(
        SearchResults,
        required=True,
        q=graphene.String(required=True),
        description="Published lessons matching q, best first (at most 20).",
    )

    @staticmethod
    def resolve_courses(
        root: Any, info: GraphQLResolveInfo, limit: int | None = None, offset: int | None = None
    ) -> Any:
        # The REST paginator's rules: a null or non-positive limit means the default.
        if not limit or limit < 0:
            limit = Pagination.default_limit
        limit = min(limit, Pagination.max_limit)
        offset = max(offset or 0, 0)
        return selectors.course_list_published()[offset : offset + limit]

    @staticmethod
    def resolve_course(root: Any, info: GraphQLResolveInfo, slug: str) -> Any:
        course = selectors.course_get_published(slug=slug)
        return selectors.course_outline(course=course, user=info.context.user, quizzes=False)

    @staticmethod
    def resolve_lesson(
        root: Any, info: GraphQLResolveInfo, course: str, module: str, lesson: str
    ) -> Any:
        return selectors.lesson_get_published(
            course_slug=course, module_slug=module, lesson_slug=lesson
        )

    @staticmethod
    def resolve_search(root: Any, info: GraphQLResolveInfo, q: str) -> Any:
        hits = selectors.lesson_search(query=q) if q.strip() else []
        return SearchResults(query=q[: selectors.MAX_QUERY_LENGTH], results=hits)
