"""GraphQL mutations of code labs: each calls the one service REST and the websockets
call."""

from __future__ import annotations

from typing import Any

import graphene

from apps.labs import selectors, services
from apps.labs.api.views import lab_output
from apps.labs.graphql import types
from config.graphql.mutations import BaseMutation


class LabStart(BaseMutation):
    """Start a code lab of one exercise or an ordered set."""

    class Arguments:
        exercises = graphene.List(graphene.NonNull(graphene.String), required=True)
        title = graphene.String()
        stuck_minutes = graphene.Int()
        stuck_failures = graphene.Int()
        class_id = graphene.Int(description="One of your classes: only its members join.")

    lab = graphene.Field(types.Lab, required=True)

    @classmethod
    def perform_mutation(
        cls,
        root: Any,
        info: Any,
        *,
        exercises: list[str],
        title: str | None = None,
        stuck_minutes: int | None = None,
        stuck_failures: int | None = None,
        class_id: int | None = None,
    ) -> Any:
        lab = services.lab_create(
            host=info.context.user,
            exercise_slugs=exercises,
            title=title or "",
            stuck_minutes=stuck_minutes,
            stuck_failures=stuck_failures,
            class_id=class_id,
        )
        return cls(lab=lab_output(lab))


class LabControl(BaseMutation):
    """Pause (with a message), resume or end a lab you host."""

    class Arguments:
        code = graphene.String(required=True)
        action = graphene.String(required=True, description="pause, resume or end")
        message = graphene.String(description="Shown to learners while paused.")

    lab = graphene.Field(types.Lab, required=True)

    @classmethod
    def perform_mutation(
        cls, root: Any, info: Any, *, code: str, action: str, message: str | None = None
    ) -> Any:
        lab = selectors.lab_by_code(code=code, active_only=False)
        lab = services.lab_host_action(
            lab_id=lab.pk, user=info.context.user, action=action, message=message or ""
        )
        return cls(lab=lab_output(lab))


class LabHintSend(BaseMutation):
    """Send a hint to everyone in a lab you host, or to one learner."""

    class Arguments:
        code = graphene.String(required=True)
        text = graphene.String(required=True)
        learner = graphene.Int(description="Empty: everyone.")

    hint = graphene.Field(types.LabHint, required=True)

    @classmethod
    def perform_mutation(
        cls, root: Any, info: Any, *, code: str, text: str, learner: int | None = None
    ) -> Any:
        lab = selectors.lab_by_code(code=code, active_only=False)
        hint = services.lab_hint_send(
            lab_id=lab.pk, user=info.context.user, text=text, learner_id=learner
        )
        return cls(hint={"seq": hint.seq, "text": hint.text, "learner": hint.learner_id})


class LabSolutionUnlock(BaseMutation):
    """Show an exercise's reference solution to the learners of a lab you host."""

    class Arguments:
        code = graphene.String(required=True)
        exercise = graphene.String(required=True)

    lab = graphene.Field(types.Lab, required=True)

    @classmethod
    def perform_mutation(cls, root: Any, info: Any, *, code: str, exercise: str) -> Any:
        lab = selectors.lab_by_code(code=code, active_only=False)
        selectors.require_host(lab, info.context.user)
        item, items = selectors.lab_item_by_slug(lab=lab, slug=exercise)
        services.lab_solution_unlock(lab_id=lab.pk, user=info.context.user, item_id=item.pk)
        return cls(lab=lab_output(lab, [i.exercise.slug for i in items]))


class LabMutations(graphene.ObjectType):
    lab_start = LabStart.Field()
    lab_control = LabControl.Field()
    lab_hint_send = LabHintSend.Field()
    lab_solution_unlock = LabSolutionUnlock.Field()
