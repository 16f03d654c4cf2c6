"""GraphQL queries for live session history (hosts: their sessions; players: their results)."""

from __future__ import annotations

from typing import Any

import graphene

from apps.live import selectors
from apps.live.graphql import types
from apps.quizzes.graphql.queries import page
from config.graphql.auth import login_required


class LiveQueries(graphene.ObjectType):
    live_sessions = graphene.Field(
        graphene.NonNull(types.HostedSessionPage),
        limit=graphene.Int(),
        offset=graphene.Int(),
        description="Live sessions you hosted, newest first.",
    )
    live_session = graphene.Field(
        types.HostedSessionDetail,
        id=graphene.Int(required=True),
        description="One of your hosted sessions, with every player's result.",
    )
    live_results = graphene.List(
        graphene.NonNull(types.MyLiveResult),
        description="Your results in live sessions you played, newest first.",
    )

    @staticmethod
    @login_required
    def resolve_live_sessions(root: Any, info: Any, limit=None, offset=None) -> Any:
        return page(selectors.live_sessions_hosted(user=info.context.user), limit, offset)

    @staticmethod
    @login_required
    def resolve_live_session(root: Any, info: Any, id: int) -> Any:
        return selectors.live_session_for_host(user=info.context.user, session_id=id)

    @staticmethod
    @login_required
    def resolve_live_results(root: Any, info: Any) -> Any:
        return selectors.live_results_for_player(user=info.context.user)
