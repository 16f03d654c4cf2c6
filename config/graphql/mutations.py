"""The mutation pattern: shape the input, call one service, shape the output.

Errors are not part of the payload: a service raises an ``ApplicationError``
subclass and the view answers it as a top-level GraphQL error with
``extensions.code`` (``not_found``, ``conflict``, …), exactly as for queries; the
service's transaction has rolled back by then. ``requires_login`` (default True)
answers anonymous callers with ``not_authenticated`` before anything runs.

    class AttemptSubmit(BaseMutation):
        class Arguments:
            attempt = graphene.ID(required=True)

        attempt = graphene.Field(AttemptType, required=True)

        @classmethod
        def perform_mutation(cls, root, info, *, attempt):
            result = services.quiz_attempt_submit(user=current_user(info), attempt_id=attempt)
            return cls(attempt=result)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import graphene
from graphql import GraphQLResolveInfo

from config.graphql.auth import require_login


class BaseMutation(graphene.Mutation):
    class Meta:
        abstract = True

    requires_login: ClassVar[bool] = True
    # Subclasses define it as a classmethod taking their arguments as keywords:
    # perform_mutation(cls, root, info, *, <arguments>) -> an instance of the output.
    perform_mutation: ClassVar[Callable[..., Any]]

    @classmethod
    def mutate(cls, root: Any, info: GraphQLResolveInfo, **data: Any) -> Any:
        if cls.requires_login:
            require_login(info)
        return cls.perform_mutation(root, info, **data)
