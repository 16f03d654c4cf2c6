"""Course mutations: shape the input, call the service, shape the output."""

from __future__ import annotations

from typing import Any

import graphene
from graphql import GraphQLResolveInfo

from apps.courses import selectors, services
from apps.courses.graphql.types import Completion, LessonProgressSetPayload
from config.graphql.auth import current_user
from config.graphql.mutations import BaseMutation


class LessonProgressSet(BaseMutation):
    """Mark a published lesson complete (idempotent) or not complete; signed-in users only."""

    class Arguments:
        course = graphene.String(required=True)
        module = graphene.String(required=True)
        lesson = graphene.String(required=True)
        completed = graphene.Boolean(required=True)

    Output = LessonProgressSetPayload

    @classmethod
    def perform_mutation(
        cls,
        root: Any,
        info: GraphQLResolveInfo,
        *,
        course: str,
        module: str,
        lesson: str,
        completed: bool,
    ) -> LessonProgressSetPayload:
        user = current_user(info)
        lesson_obj = selectors.lesson_get_published(
            course_slug=course, module_slug=module, lesson_slug=lesson
        )
        services.lesson_progress_set(user=user, lesson=lesson_obj, completed=completed)
        outline = selectors.course_outline(course=lesson_obj.module.course, user=user)
        return LessonProgressSetPayload(
            course=course,
            module=module,
            lesson=lesson,
            completed=completed,
            progress=Completion(completed=outline.completed, total=outline.total),
        )


class CourseMutations(graphene.ObjectType):
    lesson_progress_set = LessonProgressSet.Field()
