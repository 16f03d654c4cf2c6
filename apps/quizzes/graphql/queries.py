"""GraphQL queries for quizzes, attempts and progress (the REST API's reads, same rules)."""

from __future__ import annotations

from typing import Any

import graphene

from apps.core.errors import ApplicationError
from apps.courses import selectors as course_selectors
from apps.quizzes import selectors, services
from apps.quizzes.graphql import types
from apps.quizzes.models import AttemptStatus, QuizKind
from config.graphql.auth import login_required

DEFAULT_LIMIT, MAX_LIMIT = 50, 200  # as the REST pagination (apps/core/api/pagination.py)


def _choice(value: str | None, allowed: list[str], name: str) -> str | None:
    if value is not None and value not in allowed:
        raise ApplicationError(
            f"{name} must be one of: {', '.join(allowed)}.", extra={name: [f"{value!r}"]}
        )
    return value


def page(rows: Any, limit: int | None, offset: int | None) -> dict[str, Any]:
    """Limit/offset like the REST API: ``limit`` clamps to 1..200, ``offset`` to ≥ 0."""
    limit = DEFAULT_LIMIT if limit is None or limit < 1 else min(limit, MAX_LIMIT)
    offset = max(offset or 0, 0)
    return {"count": rows.count(), "results": list(rows[offset : offset + limit])}


class QuizQueries(graphene.ObjectType):
    quizzes = graphene.Field(
        graphene.NonNull(types.QuizPage),
        course=graphene.String(),
        kind=graphene.String(description="module or final"),
        ordering=graphene.String(description="position (default), title or -title"),
        limit=graphene.Int(),
        offset=graphene.Int(),
    )
    quiz = graphene.Field(types.Quiz, slug=graphene.String(required=True))
    quiz_questions = graphene.List(
        graphene.NonNull(types.Question),
        slug=graphene.String(required=True),
        description="An untimed quiz's questions and choices, without answer keys.",
    )
    attempts = graphene.Field(
        graphene.NonNull(types.AttemptPage),
        quiz=graphene.String(),
        status=graphene.String(description="in_progress or submitted"),
        limit=graphene.Int(),
        offset=graphene.Int(),
        description="The viewer's own attempts, newest first.",
    )
    attempt = graphene.Field(types.AttemptDetail, id=graphene.Int(required=True))
    attempt_result = graphene.Field(types.AttemptResult, id=graphene.Int(required=True))
    progress = graphene.List(
        graphene.NonNull(types.CourseProgress),
        description="The viewer's progress in every published course.",
    )

    @staticmethod
    def resolve_quizzes(root: Any, info: Any, limit=None, offset=None, **filters: Any) -> Any:
        kind = _choice(filters.get("kind"), list(QuizKind.values), "kind")
        ordering = _choice(filters.get("ordering"), list(selectors.QUIZ_ORDERINGS), "ordering")
        rows = selectors.quiz_list_published(
            course_slug=filters.get("course"), kind=kind, ordering=ordering or "position"
        )
        return page(rows, limit, offset)

    @staticmethod
    def resolve_quiz(root: Any, info: Any, slug: str) -> Any:
        return selectors.quiz_get_published(slug=slug)

    @staticmethod
    def resolve_quiz_questions(root: Any, info: Any, slug: str) -> Any:
        return selectors.quiz_questions_published(slug=slug)[1]

    @staticmethod
    @login_required
    def resolve_attempts(root: Any, info: Any, **args: Any) -> Any:
        status = _choice(args.get("status"), list(AttemptStatus.values), "status")
        rows = selectors.attempt_list_for_user(
            user=info.context.user, quiz_slug=args.get("quiz"), status=status
        )
        return page(rows, args.get("limit"), args.get("offset"))

    @staticmethod
    @login_required
    def resolve_attempt(root: Any, info: Any, id: int) -> Any:
        attempt = selectors.attempt_get_for_user(user=info.context.user, attempt_id=id)
        services.attempt_expire_if_due(attempt)
        return attempt

    @staticmethod
    @login_required
    def resolve_attempt_result(root: Any, info: Any, id: int) -> Any:
        attempt = selectors.attempt_get_for_user(user=info.context.user, attempt_id=id)
        services.attempt_expire_if_due(attempt)
        selectors.attempt_require_submitted(attempt)
        return attempt

    @staticmethod
    @login_required
    def resolve_progress(root: Any, info: Any) -> Any:
        return course_selectors.progress_overview(user=info.context.user)
