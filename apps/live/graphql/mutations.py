"""GraphQL mutations for live sessions: each calls the one live service the REST API
calls. Hosts create a session, set it up in the lobby (scoring, teams) and give
players extra time; someone else's session is ``not_found`` (platform staff set
sessions up from the admin). Each answers with the session as its host sees it."""

from __future__ import annotations

from typing import Any

import graphene

from apps.live import selectors, services
from apps.live.graphql import types
from config.graphql.mutations import BaseMutation


def _hosted(info: Any, session: int) -> Any:
    return selectors.live_session_for_host(user=info.context.user, session_id=session)


class SessionPayload(BaseMutation):
    class Meta:
        abstract = True

    session = graphene.Field(types.HostedSessionDetail, required=True)

    @classmethod
    def answer(cls, info: Any, session_id: int) -> Any:
        return cls(session=_hosted(info, session_id))


class LiveSessionCreate(SessionPayload):
    """Host a quiz live: a new session in the lobby, with its join code."""

    class Arguments:
        quiz = graphene.String(required=True, description="A published quiz's slug.")
        seconds_per_question = graphene.Int(description="5 to 300; 20 by default.")
        scoring_mode = graphene.String(description="speed (the default) or accuracy.")

    @classmethod
    def perform_mutation(
        cls,
        root: Any,
        info: Any,
        *,
        quiz: str,
        seconds_per_question: int | None = None,
        scoring_mode: str | None = None,
    ) -> Any:
        session = services.session_create(
            host=info.context.user,
            quiz_slug=quiz,
            seconds_per_question=20 if seconds_per_question is None else seconds_per_question,
            scoring_mode=scoring_mode or "speed",
        )
        return cls.answer(info, session.pk)


class LiveSessionUpdate(SessionPayload):
    """Change how answers score (in the lobby, before the start)."""

    class Arguments:
        session = graphene.Int(required=True)
        scoring_mode = graphene.String(required=True, description="speed or accuracy")

    @classmethod
    def perform_mutation(cls, root: Any, info: Any, *, session: int, scoring_mode: str) -> Any:
        _hosted(info, session)
        services.session_settings_update(
            session_id=session, user=info.context.user, scoring_mode=scoring_mode
        )
        return cls.answer(info, session)


class LiveTeamCreate(SessionPayload):
    """Add a team (in the lobby): the session then plays in teams."""

    class Arguments:
        session = graphene.Int(required=True)
        name = graphene.String(required=True)

    @classmethod
    def perform_mutation(cls, root: Any, info: Any, *, session: int, name: str) -> Any:
        _hosted(info, session)
        services.team_create(session_id=session, user=info.context.user, name=name)
        return cls.answer(info, session)


class LiveTeamDelete(SessionPayload):
    """Delete a team (in the lobby); its players are left without one."""

    class Arguments:
        session = graphene.Int(required=True)
        team = graphene.Int(required=True)

    @classmethod
    def perform_mutation(cls, root: Any, info: Any, *, session: int, team: int) -> Any:
        _hosted(info, session)
        services.team_delete(session_id=session, user=info.context.user, team_id=team)
        return cls.answer(info, session)


class LiveTeamsShuffle(SessionPayload):
    """Deal the players at random into ``count`` teams of balanced sizes (in the lobby)."""

    class Arguments:
        session = graphene.Int(required=True)
        count = graphene.Int(required=True, description="2 to 20.")

    @classmethod
    def perform_mutation(cls, root: Any, info: Any, *, session: int, count: int) -> Any:
        _hosted(info, session)
        services.teams_shuffle(session_id=session, user=info.context.user, count=count)
        return cls.answer(info, session)


class LiveTeamsClear(SessionPayload):
    """Play without teams (in the lobby)."""

    class Arguments:
        session = graphene.Int(required=True)

    @classmethod
    def perform_mutation(cls, root: Any, info: Any, *, session: int) -> Any:
        _hosted(info, session)
        services.teams_clear(session_id=session, user=info.context.user)
        return cls.answer(info, session)


class LivePlayerUpdate(SessionPayload):
    """Put a player in a team (in the lobby) or give them extra time (between
    questions; it applies from the next one). Send only what changes."""

    class Arguments:
        session = graphene.Int(required=True)
        player = graphene.Int(required=True)
        team = graphene.Int(description="A team of the session.")
        no_team = graphene.Boolean(description="True: take the player out of their team.")
        extra_percent = graphene.Int(description="0 to 200, of each question's time.")
        extra_seconds = graphene.Int(description="0 to 300.")

    @classmethod
    def perform_mutation(
        cls,
        root: Any,
        info: Any,
        *,
        session: int,
        player: int,
        team: int | None = None,
        no_team: bool | None = None,
        extra_percent: int | None = None,
        extra_seconds: int | None = None,
    ) -> Any:
        _hosted(info, session)
        team_id: Any = None if no_team else (services.UNCHANGED if team is None else team)
        services.player_settings_update(
            session_id=session,
            user=info.context.user,
            player_id=player,
            team_id=team_id,
            extra_percent=extra_percent,
            extra_seconds=extra_seconds,
        )
        return cls.answer(info, session)


class LiveMutations(graphene.ObjectType):
    live_session_create = LiveSessionCreate.Field()
    live_session_update = LiveSessionUpdate.Field()
    live_team_create = LiveTeamCreate.Field()
    live_team_delete = LiveTeamDelete.Field()
    live_teams_shuffle = LiveTeamsShuffle.Field()
    live_teams_clear = LiveTeamsClear.Field()
    live_player_update = LivePlayerUpdate.Field()
