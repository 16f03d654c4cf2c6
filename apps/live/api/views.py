"""REST: live sessions. Hosts create sessions, set them up before the start (scoring,
teams) and give players extra time, and see the sessions they ran with every result;
players see their own results. The game itself runs over the websockets.

Views translate HTTP to the live services and back; someone else's session is "not
found" (platform staff set sessions up from the admin). Every change answers with the
session as its host sees it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.pagination import Pagination
from apps.core.api.schema import error_responses
from apps.live import selectors, services
from apps.live.models import (
    MAX_EXTRA_PERCENT,
    MAX_EXTRA_SECONDS,
    MAX_TEAMS,
    TEAM_NAME_MAX,
    ScoringMode,
)


class HostedSessionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    quiz = serializers.CharField(source="quiz.slug")
    quiz_title = serializers.CharField(source="quiz.title")
    status = serializers.CharField()
    players = serializers.IntegerField(source="player_total")
    questions = serializers.IntegerField(source="question_count")
    seconds_per_question = serializers.IntegerField()
    scoring_mode = serializers.ChoiceField(
        choices=ScoringMode.choices,
        help_text="speed: faster right answers score more; accuracy: full points at any time.",
    )
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)


class PlayerResultOutput(serializers.Serializer):
    rank = serializers.IntegerField()
    player = serializers.IntegerField(source="pk", help_text="The player's id in this session.")
    nickname = serializers.CharField()
    score = serializers.IntegerField()
    correct = serializers.IntegerField(source="correct_count")
    guest = serializers.SerializerMethodField()
    team = serializers.IntegerField(source="team_id", allow_null=True)
    team_name = serializers.SerializerMethodField()
    extra_percent = serializers.IntegerField()
    extra_seconds = serializers.IntegerField()
    first_question = serializers.SerializerMethodField(
        help_text="The first question the player played (from 1): later for late joiners."
    )

    def get_guest(self, player) -> bool:
        return player.user_id is None

    def get_team_name(self, player) -> str | None:
        return player.team.name if player.team_id else None

    def get_first_question(self, player) -> int:
        return player.first_index + 1


class TeamOutput(serializers.Serializer):
    rank = serializers.IntegerField()
    id = serializers.IntegerField(source="team")
    name = serializers.CharField()
    score = serializers.IntegerField(help_text="The mean of its players' scores.")
    players = serializers.IntegerField()


class HostedSessionDetailOutput(HostedSessionOutput):
    teams = TeamOutput(many=True)
    results = PlayerResultOutput(many=True)


def session_detail(session: Any) -> dict[str, Any]:
    """A hosted session with its teams and every player's result: three queries."""
    data = dict(HostedSessionOutput(session).data)
    data["teams"] = TeamOutput(selectors.team_standings(session), many=True).data
    data["results"] = PlayerResultOutput(selectors.live_session_results(session), many=True).data
    return data


class SessionCreateInput(serializers.Serializer):
    quiz = serializers.SlugField(help_text="A published quiz's slug.")
    seconds_per_question = serializers.IntegerField(min_value=5, max_value=300, default=20)
    scoring_mode = serializers.ChoiceField(choices=ScoringMode.choices, default=ScoringMode.SPEED)


class SessionUpdateInput(serializers.Serializer):
    scoring_mode = serializers.ChoiceField(
        choices=ScoringMode.choices, help_text="Changes in the lobby only."
    )


class TeamCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=TEAM_NAME_MAX)


class TeamShuffleInput(serializers.Serializer):
    count = serializers.IntegerField(min_value=2, max_value=MAX_TEAMS)


class PlayerUpdateInput(serializers.Serializer):
    team = serializers.IntegerField(
        required=False, allow_null=True, help_text="A team of the session; null: no team."
    )
    extra_percent = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_EXTRA_PERCENT,
        help_text="Of each question's time.",
    )
    extra_seconds = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_EXTRA_SECONDS
    )


class MyResultOutput(serializers.Serializer):
    session = serializers.IntegerField(source="session_id")
    code = serializers.CharField(source="session.code")
    quiz = serializers.CharField(source="session.quiz.slug")
    quiz_title = serializers.CharField(source="session.quiz.title")
    status = serializers.CharField(source="session.status")
    played_at = serializers.DateTimeField(source="session.created_at")
    nickname = serializers.CharField()
    score = serializers.IntegerField()
    correct = serializers.IntegerField(source="correct_count")
    rank = serializers.IntegerField()


class MyResultsOutput(serializers.Serializer):
    results = MyResultOutput(many=True)


TAGS = ["live"]
CHANGE_ERRORS = error_responses(400, 401, 403, 404, 409, 429)


def _hosted(request: Request, pk: int) -> Any:
    """The session if the caller hosts it: anyone else gets 404."""
    return selectors.live_session_for_host(user=request.user, session_id=pk)


def _detail(request: Request, pk: int, code: int = status.HTTP_200_OK) -> Response:
    return Response(session_detail(_hosted(request, pk)), status=code)


class LiveSessionListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination

    @extend_schema(
        operation_id="live_sessions_create",
        summary="Host a quiz live: a new session in the lobby, with its join code",
        description=(
            "Scoring: `speed` (a right answer scores more the sooner it comes) or "
            "`accuracy` (full points whatever the time; partial credit in proportion)."
        ),
        tags=TAGS,
        request=SessionCreateInput,
        responses={201: HostedSessionDetailOutput, **error_responses(400, 401, 404, 409, 429)},
    )
    def post(self, request: Request) -> Response:
        payload = SessionCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        session = services.session_create(
            host=request.user,
            quiz_slug=data["quiz"],
            seconds_per_question=data["seconds_per_question"],
            scoring_mode=data["scoring_mode"],
        )
        return _detail(request, session.pk, status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="live_sessions_hosted",
        summary="Live sessions you hosted",
        tags=TAGS,
        responses={200: HostedSessionOutput(many=True), **error_responses(401, 429)},
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.live_sessions_hosted(user=request.user), request, view=self
        )
        return paginator.get_paginated_response(HostedSessionOutput(page, many=True).data)


class LiveSessionDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="live_session_results",
        summary="One of your hosted sessions, with its teams and every player's result",
        tags=TAGS,
        responses={200: HostedSessionDetailOutput, **error_responses(401, 404, 429)},
    )
    def get(self, request: Request, pk: int) -> Response:
        return _detail(request, pk)

    @extend_schema(
        operation_id="live_sessions_update",
        summary="Change how answers score (in the lobby, before the start)",
        tags=TAGS,
        request=SessionUpdateInput,
        responses={200: HostedSessionDetailOutput, **CHANGE_ERRORS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        _hosted(request, pk)
        payload = SessionUpdateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        services.session_settings_update(
            session_id=pk, user=request.user, scoring_mode=payload.validated_data["scoring_mode"]
        )
        return _detail(request, pk)


class LiveTeamListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="live_teams_create",
        summary="Add a team (in the lobby): the session then plays in teams",
        description="Players joining later go to the smallest team.",
        tags=TAGS,
        request=TeamCreateInput,
        responses={201: HostedSessionDetailOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        _hosted(request, pk)
        payload = TeamCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        services.team_create(session_id=pk, user=request.user, **payload.validated_data)
        return _detail(request, pk, status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="live_teams_clear",
        summary="Play without teams (in the lobby)",
        tags=TAGS,
        request=None,
        responses={200: HostedSessionDetailOutput, **CHANGE_ERRORS},
    )
    def delete(self, request: Request, pk: int) -> Response:
        _hosted(request, pk)
        services.teams_clear(session_id=pk, user=request.user)
        return _detail(request, pk)


class LiveTeamShuffleApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="live_teams_shuffle",
        summary="Deal the players at random into N teams of balanced sizes (in the lobby)",
        tags=TAGS,
        request=TeamShuffleInput,
        responses={200: HostedSessionDetailOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        _hosted(request, pk)
        payload = TeamShuffleInput(data=request.data)
        payload.is_valid(raise_exception=True)
        services.teams_shuffle(session_id=pk, user=request.user, **payload.validated_data)
        return _detail(request, pk)


class LiveTeamDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="live_teams_delete",
        summary="Delete a team (in the lobby); its players are left without one",
        tags=TAGS,
        request=None,
        responses={200: HostedSessionDetailOutput, **CHANGE_ERRORS},
    )
    def delete(self, request: Request, pk: int, team_id: int) -> Response:
        _hosted(request, pk)
        services.team_delete(session_id=pk, user=request.user, team_id=team_id)
        return _detail(request, pk)


class LivePlayerDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="live_players_update",
        summary="Put a player in a team (in the lobby) or give them extra time",
        description=(
            "Send only what changes. Extra time (a share of each question's time and/or "
            "seconds) is set between questions and applies from the next one: that "
            "player's deadline is later, and the question stays open until it."
        ),
        tags=TAGS,
        request=PlayerUpdateInput,
        responses={200: HostedSessionDetailOutput, **CHANGE_ERRORS},
    )
    def patch(self, request: Request, pk: int, player_id: int) -> Response:
        _hosted(request, pk)
        payload = PlayerUpdateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        if "team" in data:
            data["team_id"] = data.pop("team")
        services.player_settings_update(
            session_id=pk, user=request.user, player_id=player_id, **data
        )
        return _detail(request, pk)


class LiveResultListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="live_results_mine",
        summary="Your results in live sessions you played",
        tags=TAGS,
        responses={200: MyResultsOutput, **error_responses(401, 429)},
    )
    def get(self, request: Request) -> Response:
        rows = selectors.live_results_for_player(user=request.user)
        return Response({"results": MyResultOutput(rows, many=True).data})
