"""GraphQL types of code labs (the REST API's fields, from the same selectors)."""

from __future__ import annotations

import graphene


class Lab(graphene.ObjectType):
    code = graphene.String(required=True)
    title = graphene.String(required=True)
    status = graphene.String(required=True)
    exercises = graphene.List(graphene.NonNull(graphene.String), required=True)
    stuck_minutes = graphene.Int(required=True)
    stuck_failures = graphene.Int(required=True)
    class_id = graphene.Int()
    elapsed_seconds = graphene.Int(required=True)
    started_at = graphene.DateTime(required=True)
    ended_at = graphene.DateTime()
    url = graphene.String(required=True)


class HostedLab(graphene.ObjectType):
    code = graphene.String(required=True)
    title = graphene.String(required=True)
    status = graphene.String(required=True)
    learners = graphene.Int(required=True)
    started_at = graphene.DateTime(required=True)
    ended_at = graphene.DateTime()


class LabResult(graphene.ObjectType):
    learner = graphene.String(required=True)
    username = graphene.String(required=True)
    position = graphene.Int(required=True)
    exercise = graphene.String(required=True)
    runs = graphene.Int(required=True)
    solved = graphene.Boolean(required=True)
    best_run = graphene.Int()
    best_mode = graphene.String(required=True)
    best_status = graphene.String(required=True)
    best_passed = graphene.Int(required=True)
    best_total = graphene.Int(required=True)
    seconds_to_best = graphene.Int()
    seconds_to_solve = graphene.Int()


class LabWithResults(Lab):
    results = graphene.List(graphene.NonNull(LabResult), required=True)


class LabHint(graphene.ObjectType):
    seq = graphene.Int(required=True)
    text = graphene.String(required=True)
    learner = graphene.Int()
