"""Account queries."""

from __future__ import annotations

from typing import Any

import graphene
from graphql import GraphQLResolveInfo

from apps.accounts.graphql.types import Viewer
from config.graphql.auth import current_user


class AccountQueries(graphene.ObjectType):
    me = graphene.Field(Viewer, description="The signed-in user; null for anonymous callers.")

    @staticmethod
    def resolve_me(root: Any, info: GraphQLResolveInfo) -> Any:
        user = current_user(info)
        return user if user.is_authenticated else None
