"""Lesson check queries: the selector the REST view calls."""

from __future__ import annotations

from typing import Any

import graphene
from graphql import GraphQLResolveInfo

from apps.checks import selectors
from apps.checks.graphql.types import LessonCheck
from apps.courses import selectors as course_selectors


class CheckQueries(graphene.ObjectType):
    lesson_checks = graphene.List(
        graphene.NonNull(LessonCheck),
        required=True,
        course=graphene.String(required=True),
        module=graphene.String(required=True),
        lesson=graphene.String(required=True),
        description="A published lesson's checks, with the viewer's answers (no answer keys).",
    )

    @staticmethod
    def resolve_lesson_checks(
        root: Any, info: GraphQLResolveInfo, course: str, module: str, lesson: str
    ) -> Any:
        lesson_obj = course_selectors.lesson_get_published(
            course_slug=course, module_slug=module, lesson_slug=lesson
        )
        return selectors.lesson_checks(lesson_id=lesson_obj.pk, user=info.context.user)
