"""GraphQL types for lesson checks: the REST serializers' fields, same names."""

from __future__ import annotations

import graphene
from graphene.types.generic import GenericScalar


class LessonCheckChoice(graphene.ObjectType):
    id = graphene.Int(required=True)
    text_html = graphene.String(required=True)
    picked = graphene.Boolean(required=True)
    correct = graphene.Boolean(description="Known once the viewer has answered correctly.")
    feedback = graphene.String(required=True)


class LessonCheck(graphene.ObjectType):
    """A check inside a lesson, as the viewer may see it (REST: LessonChecksApi)."""

    id = graphene.Int(required=True)
    number = graphene.Int(required=True)
    type = graphene.String(required=True)
    prompt_html = graphene.String(required=True)
    choices = graphene.List(graphene.NonNull(LessonCheckChoice), required=True)
    answered = graphene.Boolean(required=True)
    correct = graphene.Boolean(required=True)
    tries = graphene.Int(required=True)
    first_correct = graphene.Boolean(required=True)
    response = GenericScalar()
    explanation_html = graphene.String(required=True)
