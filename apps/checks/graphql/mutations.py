"""Answering a check: the one service the REST API and the lesson page call."""

from __future__ import annotations

from typing import Any

import graphene
from graphene.types.generic import GenericScalar

from apps.checks import selectors, services
from apps.checks.graphql.types import LessonCheck
from config.graphql.auth import current_user
from config.graphql.mutations import BaseMutation


class LessonCheckAnswer(BaseMutation):
    """Answer a check: graded at once; answer again until right (the first correct counts)."""

    class Arguments:
        check = graphene.Int(required=True, description="The check's id.")
        response = GenericScalar(
            required=True,
            description=(
                'Single choice {"choice": id}; multiple {"choices": [ids]}; true/false '
                '{"value": bool}; numeric {"value": number}; short text {"text": str}; '
                'ordering {"order": [ids]}.'
            ),
        )

    check = graphene.Field(LessonCheck, required=True)

    @classmethod
    def perform_mutation(cls, root: Any, info: Any, *, check: int, response: Any) -> Any:
        found, answer = services.check_answer(
            user=current_user(info), check_id=check, response=response
        )
        return cls(check=selectors.check_view(check=found, answer=answer))


class CheckMutations(graphene.ObjectType):
    lesson_check_answer = LessonCheckAnswer.Field()
