"""REST: live session history. Hosts see the sessions they ran (and every result);
players see their own results. Nothing here changes a session."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.pagination import Pagination
from apps.core.api.schema import error_responses
from apps.live import selectors


class HostedSessionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    quiz = serializers.CharField(source="quiz.slug")
    quiz_title = serializers.CharField(source="quiz.title")
    status = serializers.CharField()
    players = serializers.IntegerField(source="player_total")
    questions = serializers.IntegerField(source="question_count")
    seconds_per_question = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)


class PlayerResultOutput(serializers.Serializer):
    rank = serializers.IntegerField()
    nickname = serializers.CharField()
    score = serializers.IntegerField()
    correct = serializers.IntegerField(source="correct_count")
    guest = serializers.SerializerMethodField()

    def get_guest(self, player) -> bool:
        return player.user_id is None


class HostedSessionDetailOutput(HostedSessionOutput):
    results = PlayerResultOutput(many=True)


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


class LiveSessionListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination

    @extend_schema(
        operation_id="live_sessions_hosted",
        summary="Live sessions you hosted",
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
        summary="One of your hosted sessions, with every player's result",
        responses={200: HostedSessionDetailOutput, **error_responses(401, 404, 429)},
    )
    def get(self, request: Request, pk: int) -> Response:
        session = selectors.live_session_for_host(user=request.user, session_id=pk)
        data = dict(HostedSessionOutput(session).data)
        data["results"] = PlayerResultOutput(
            selectors.live_session_results(session), many=True
        ).data
        return Response(data)


class LiveResultListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="live_results_mine",
        summary="Your results in live sessions you played",
        responses={200: MyResultsOutput, **error_responses(401, 429)},
    )
    def get(self, request: Request) -> Response:
        rows = selectors.live_results_for_player(user=request.user)
        return Response({"results": MyResultOutput(rows, many=True).data})
