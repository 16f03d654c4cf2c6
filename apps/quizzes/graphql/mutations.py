"""GraphQL mutations for attempts: each calls the one quiz service the REST API calls."""

from __future__ import annotations

from typing import Any

import graphene
from graphene.types.generic import GenericScalar

from apps.quizzes import selectors, services
from apps.quizzes.grading import InvalidResponse
from apps.quizzes.graphql import types
from config.graphql.mutations import BaseMutation


def _answers(value: Any) -> Any:
    # The service validates every answer; here only the outer shape is checked, as the
    # REST serializer does (a mapping of question id to answer).
    if value is not None and not isinstance(value, dict):
        raise InvalidResponse("answers must be an object keyed by question id.")
    return value


class AttemptStart(BaseMutation):
    """Start an attempt at a quiz, or resume the one in progress."""

    class Arguments:
        quiz = graphene.String(required=True, description="The quiz's slug.")

    attempt = graphene.Field(types.AttemptDetail, required=True)
    resumed = graphene.Boolean(required=True)

    @classmethod
    def perform_mutation(cls, root: Any, info: Any, *, quiz: str) -> Any:
        user = info.context.user
        quiz_obj = selectors.quiz_get_published(slug=quiz)
        attempt, resumed = services.attempt_begin(user=user, quiz=quiz_obj)
        return cls(attempt=attempt, resumed=resumed)


class AttemptSaveAnswers(BaseMutation):
    """Save answers (not graded yet). One bad answer refuses them all."""

    class Arguments:
        attempt = graphene.Int(required=True)
        answers = GenericScalar(
            required=True,
            description=(
                'Keyed by question id. Single choice {"choice": id}; multiple {"choices": '
                '[ids]}; true/false {"value": bool}; numeric {"value": number}; short text '
                '{"text": str}; ordering {"order": [ids]}.'
            ),
        )

    attempt = graphene.Field(types.AttemptDetail, required=True)

    @classmethod
    def perform_mutation(cls, root: Any, info: Any, *, attempt: int, answers: Any) -> Any:
        saved = services.attempt_save_answers(
            user=info.context.user, attempt_id=attempt, answers=_answers(answers)
        )
        return cls(attempt=saved)


class AttemptSubmit(BaseMutation):
    """Grade the attempt (once: submitting again returns the same result)."""

    class Arguments:
        attempt = graphene.Int(required=True)
        answers = GenericScalar(description="Answers to save before grading.")

    result = graphene.Field(types.AttemptResult, required=True)

    @classmethod
    def perform_mutation(cls, root: Any, info: Any, *, attempt: int, answers: Any = None) -> Any:
        graded = services.attempt_submit(
            user=info.context.user, attempt_id=attempt, answers=_answers(answers)
        )
        return cls(result=graded)


class QuizMutations(graphene.ObjectType):
    attempt_start = AttemptStart.Field()
    attempt_save_answers = AttemptSaveAnswers.Field()
    attempt_submit = AttemptSubmit.Field()
