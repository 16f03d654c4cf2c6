"""GraphQL queries for exercises and your runs (the REST API's reads, same rules)."""

from __future__ import annotations

from typing import Any

import graphene

from apps.core.errors import ApplicationError
from apps.exercises import selectors
from apps.exercises.graphql import types
from apps.exercises.models import Difficulty, Mode
from config.graphql.auth import login_required

DEFAULT_LIMIT, MAX_LIMIT = 50, 200  # as the REST pagination (apps/core/api/pagination.py)


def _choice(value: str | None, allowed: list[str], name: str) -> str | None:
    if value is not None and value not in allowed:
        raise ApplicationError(
            f"{name} must be one of: {', '.join(allowed)}.", extra={name: [f"{value!r}"]}
        )
    return value


def _window(limit: int | None, offset: int | None) -> tuple[int, int]:
    limit = DEFAULT_LIMIT if limit is None or limit < 1 else min(limit, MAX_LIMIT)
    return limit, max(offset or 0, 0)


class ExerciseQueries(graphene.ObjectType):
    exercises = graphene.Field(
        graphene.NonNull(types.ExercisePage),
        module=graphene.String(description="A module's slug."),
        difficulty=graphene.String(description="easy, medium or hard"),
        limit=graphene.Int(),
        offset=graphene.Int(),
        description="The published code exercises, in course order.",
    )
    exercise = graphene.Field(types.ExerciseDetail, slug=graphene.String(required=True))
    runs = graphene.Field(
        graphene.NonNull(types.RunPage),
        exercise=graphene.String(description="An exercise's slug."),
        mode=graphene.String(description="run or submit"),
        limit=graphene.Int(),
        offset=graphene.Int(),
        description="The viewer's own runs, newest first.",
    )
    run = graphene.Field(types.RunDetail, id=graphene.Int(required=True))
    block_run = graphene.Field(
        types.BlockRun,
        id=graphene.Int(required=True),
        description="One of your runs of a lesson's runnable example.",
    )

    @staticmethod
    def resolve_exercises(root: Any, info: Any, limit=None, offset=None, **args: Any) -> Any:
        difficulty = _choice(args.get("difficulty"), list(Difficulty.values), "difficulty")
        rows = selectors.exercise_list_published(
            user=info.context.user, module_slug=args.get("module"), difficulty=difficulty
        )
        limit, offset = _window(limit, offset)
        return {
            "count": rows.count(),
            "results": [selectors.exercise_public(e) for e in rows[offset : offset + limit]],
        }

    @staticmethod
    def resolve_exercise(root: Any, info: Any, slug: str) -> Any:
        exercise = selectors.exercise_get_published(slug=slug, user=info.context.user)
        return selectors.exercise_detail_public(exercise)

    @staticmethod
    @login_required
    def resolve_runs(root: Any, info: Any, limit=None, offset=None, **args: Any) -> Any:
        mode = _choice(args.get("mode"), list(Mode.values), "mode")
        rows = selectors.run_list_for_user(
            user=info.context.user, exercise_slug=args.get("exercise"), mode=mode
        )
        limit, offset = _window(limit, offset)
        return {
            "count": rows.count(),
            "results": [
                selectors.run_public(run, detail=False) for run in rows[offset : offset + limit]
            ],
        }

    @staticmethod
    @login_required
    def resolve_run(root: Any, info: Any, id: int) -> Any:
        return selectors.run_public(selectors.run_get_for_user(user=info.context.user, run_id=id))

    @staticmethod
    @login_required
    def resolve_block_run(root: Any, info: Any, id: int) -> Any:
        return selectors.block_run_public(
            selectors.block_run_get_for_user(user=info.context.user, run_id=id)
        )
