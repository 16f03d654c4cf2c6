"""GraphQL queries of code labs: the labs you hosted and one lab's results."""

from __future__ import annotations

from typing import Any

import graphene

from apps.labs import selectors
from apps.labs.api.views import lab_output
from apps.labs.graphql import types
from config.graphql.auth import login_required


class LabQueries(graphene.ObjectType):
    labs_hosted = graphene.List(
        graphene.NonNull(types.HostedLab),
        required=True,
        limit=graphene.Int(),
        description="Code labs you hosted, newest first (at most 100).",
    )
    lab_results = graphene.Field(
        types.LabWithResults,
        code=graphene.String(required=True),
        description="A lab you hosted, with each learner's best run per exercise.",
    )

    @staticmethod
    @login_required
    def resolve_labs_hosted(root: Any, info: Any, limit: int | None = None) -> Any:
        size = min(max(limit or 20, 1), 100)
        return [
            {
                "code": lab.code,
                "title": lab.title,
                "status": lab.status,
                "learners": getattr(lab, "learner_total", 0),
                "started_at": lab.started_at,
                "ended_at": lab.ended_at,
            }
            for lab in selectors.labs_hosted(user=info.context.user)[:size]
        ]

    @staticmethod
    @login_required
    def resolve_lab_results(root: Any, info: Any, code: str) -> Any:
        lab = selectors.lab_for_host(user=info.context.user, code=code)
        return {
            **lab_output(lab),
            "results": selectors.lab_results(lab=lab, user=info.context.user),
        }
