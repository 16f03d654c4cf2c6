"""GraphQL types for live session history (the REST API's fields, same selectors)."""

from __future__ import annotations

from typing import Any

import graphene


class LivePlayerResult(graphene.ObjectType):
    rank = graphene.Int(required=True)
    player = graphene.Int(required=True, description="The player's id in this session.")
    nickname = graphene.String(required=True)
    score = graphene.Int(required=True)
    correct = graphene.Int(required=True)
    guest = graphene.Boolean(required=True)
    team = graphene.Int(description="The player's team (an id), if any.")
    team_name = graphene.String()
    extra_percent = graphene.Int(required=True)
    extra_seconds = graphene.Int(required=True)
    first_question = graphene.Int(
        required=True,
        description="The first question the player played (from 1): later for late joiners.",
    )

    @staticmethod
    def resolve_player(player: Any, info: Any) -> int:
        return player.pk

    @staticmethod
    def resolve_team(player: Any, info: Any) -> int | None:
        return player.team_id

    @staticmethod
    def resolve_team_name(player: Any, info: Any) -> str | None:
        return player.team.name if player.team_id else None

    @staticmethod
    def resolve_first_question(player: Any, info: Any) -> int:
        return player.first_index + 1

    @staticmethod
    def resolve_correct(player: Any, info: Any) -> int:
        return player.correct_count

    @staticmethod
    def resolve_guest(player: Any, info: Any) -> bool:
        return player.user_id is None


class HostedSession(graphene.ObjectType):
    id = graphene.Int(required=True)
    code = graphene.String(required=True)
    quiz = graphene.String(required=True)
    quiz_title = graphene.String(required=True)
    status = graphene.String(required=True)
    players = graphene.Int(required=True)
    questions = graphene.Int(required=True)
    seconds_per_question = graphene.Int(required=True)
    scoring_mode = graphene.String(
        required=True,
        description="speed (faster right answers score more) or accuracy (full points).",
    )
    created_at = graphene.DateTime(required=True)
    started_at = graphene.DateTime()
    ended_at = graphene.DateTime()

    @staticmethod
    def resolve_quiz(session: Any, info: Any) -> str:
        return session.quiz.slug

    @staticmethod
    def resolve_quiz_title(session: Any, info: Any) -> str:
        return session.quiz.title

    @staticmethod
    def resolve_players(session: Any, info: Any) -> int:
        return session.player_total

    @staticmethod
    def resolve_questions(session: Any, info: Any) -> int:
        return session.question_count


class LiveTeamStanding(graphene.ObjectType):
    rank = graphene.Int(required=True)
    id = graphene.Int(required=True)
    name = graphene.String(required=True)
    score = graphene.Int(required=True, description="The mean of its players' scores.")
    players = graphene.Int(required=True)

    @staticmethod
    def resolve_id(standing: Any, info: Any) -> int:
        return standing.team


class HostedSessionDetail(HostedSession):
    teams = graphene.List(graphene.NonNull(LiveTeamStanding), required=True)
    results = graphene.List(graphene.NonNull(LivePlayerResult), required=True)

    @staticmethod
    def resolve_teams(session: Any, info: Any) -> Any:
        from apps.live import selectors

        return selectors.team_standings(session)

    @staticmethod
    def resolve_results(session: Any, info: Any) -> Any:
        from apps.live import selectors

        return selectors.live_session_results(session)


class HostedSessionPage(graphene.ObjectType):
    count = graphene.Int(required=True)
    results = graphene.List(graphene.NonNull(HostedSession), required=True)


class MyLiveResult(graphene.ObjectType):
    session = graphene.Int(required=True)
    code = graphene.String(required=True)
    quiz = graphene.String(required=True)
    quiz_title = graphene.String(required=True)
    status = graphene.String(required=True)
    played_at = graphene.DateTime(required=True)
    nickname = graphene.String(required=True)
    score = graphene.Int(required=True)
    correct = graphene.Int(required=True)
    rank = graphene.Int(required=True)

    @staticmethod
    def resolve_session(row: Any, info: Any) -> int:
        return row.session_id

    @staticmethod
    def resolve_code(row: Any, info: Any) -> str:
        return row.session.code

    @staticmethod
    def resolve_quiz(row: Any, info: Any) -> str:
        return row.session.quiz.slug

    @staticmethod
    def resolve_quiz_title(row: Any, info: Any) -> str:
        return row.session.quiz.title

    @staticmethod
    def resolve_status(row: Any, info: Any) -> str:
        return row.session.status

    @staticmethod
    def resolve_played_at(row: Any, info: Any) -> Any:
        return row.session.created_at

    @staticmethod
    def resolve_correct(row: Any, info: Any) -> int:
        return row.correct_count
