"""The REST API (/api/v1/), assembled once from each app's ``api/urls.py``."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from apps.core.api.schema import error_responses


class ApiRoot(APIView):
    """What the API offers."""

    ENDPOINTS = (
        "courses", "search", "matrix", "quizzes", "attempts", "progress",
        "live_sessions", "live_results", "exercises", "runs", "classes", "due", "labs",
    )  # fmt: skip

    @extend_schema(
        operation_id="api_root",
        summary="The API's entry points",
        tags=["api"],
        responses={
            200: inline_serializer(
                "ApiRoot",
                {name: serializers.URLField() for name in ENDPOINTS},
            ),
            **error_responses(401, 429),
        },
    )
    def get(self, request: Request) -> Response:
        return Response(
            {
                "courses": reverse("api:course-list", request=request),
                "search": reverse("api:lesson-search", request=request),
                "matrix": reverse("api:matrix-list", request=request),
                "quizzes": reverse("api:quiz-list", request=request),
                "attempts": reverse("api:attempt-list", request=request),
                "progress": reverse("api:progress", request=request),
                "live_sessions": reverse("api:live-session-list", request=request),
                "live_results": reverse("api:live-result-list", request=request),
                "exercises": reverse("api:exercise-list", request=request),
                "runs": reverse("api:run-list", request=request),
                "classes": reverse("api:class-list", request=request),
                "due": reverse("api:class-due", request=request),
                "labs": reverse("api:lab-list", request=request),
            }
        )


app_name = "api"

urlpatterns = [
    path("", ApiRoot.as_view(), name="root"),
    path("", include("apps.courses.api.urls")),
    path("", include("apps.matrix.api.urls")),
    path("", include("apps.quizzes.api.urls")),
    path("", include("apps.live.api.urls")),
    path("", include("apps.exercises.api.urls")),
    path("", include("apps.classes.api.urls")),
    path("", include("apps.labs.api.urls")),
    path("", include("apps.checks.api.urls")),
]
