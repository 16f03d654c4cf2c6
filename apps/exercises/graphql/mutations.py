"""GraphQL mutations for runs: each calls the one service the REST API calls."""

from __future__ import annotations

import uuid
from typing import Any

import graphene

from apps.exercises import selectors, services
from apps.exercises.graphql import types
from config.graphql.mutations import BaseMutation


class RunCreate(BaseMutation):
    """Queue a run of your code against an exercise's tests; follow it by id (the
    websocket /ws/exercises/runs/<id>/ or the run query)."""

    class Arguments:
        exercise = graphene.String(required=True, description="The exercise's slug.")
        code = graphene.String(
            required=True,
            description=(
                "Your solution.py (at most 64 KB of UTF-8, as through REST; the request "
                "body may be 256 KiB, room for it escaped as JSON)."
            ),
        )
        mode = graphene.String(required=True, description="run (visible tests) or submit (all)")
        key = graphene.String(
            description="An idempotency key (a UUID): the same key returns the same run."
        )

    run = graphene.Field(types.RunDetail, required=True)

    @classmethod
    def perform_mutation(
        cls, root: Any, info: Any, *, exercise: str, code: str, mode: str, key: str | None = None
    ) -> Any:
        run = services.run_create(
            user=info.context.user,
            exercise_slug=exercise,
            code=code,
            mode=mode,
            key=key or uuid.uuid4().hex,
        )
        return cls(run=selectors.run_public(run))


class LessonBlockRun(BaseMutation):
    """Run one of a lesson's runnable examples (the author's code, or your edit of it) in
    the exercises' sandbox; follow it by id (the websocket /ws/exercises/block-runs/<id>/
    or the blockRun query). Your previous run of the example is replaced."""

    class Arguments:
        course = graphene.String(required=True, description="The course's slug.")
        module = graphene.String(required=True, description="The module's slug.")
        lesson = graphene.String(required=True, description="The lesson's slug.")
        block = graphene.Int(required=True, description="The example's number (from 0).")
        code = graphene.String(description="Your edit; omit it to run the author's code.")
        block_hash = graphene.String(
            description="The example's hash as the page showed it (a 409 when it changed)."
        )
        key = graphene.String(
            description="An idempotency key (a UUID): the same key returns the same run."
        )

    block_run = graphene.Field(types.BlockRun, required=True)

    @classmethod
    def perform_mutation(
        cls,
        root: Any,
        info: Any,
        *,
        course: str,
        module: str,
        lesson: str,
        block: int,
        code: str | None = None,
        block_hash: str | None = None,
        key: str | None = None,
    ) -> Any:
        run = services.block_run_create(
            user=info.context.user,
            course_slug=course,
            module_slug=module,
            lesson_slug=lesson,
            block=block,
            code=code,
            block_hash=block_hash,
            key=key or uuid.uuid4().hex,
        )
        return cls(block_run=selectors.block_run_public(run))


class ExerciseMutations(graphene.ObjectType):
    run_create = RunCreate.Field()
    lesson_block_run = LessonBlockRun.Field()
