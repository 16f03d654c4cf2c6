"""OpenAPI pieces every API view shares: the error shape, the token scheme, global headers.

Views describe their own operations with drf-spectacular's ``@extend_schema``; this module
gives them the parts that are the same everywhere:

* ``error_responses(*statuses)`` — the documented error responses (one shape for all);
* ``path_slug(name, description, example)`` — a slug path parameter with a real example;
* ``ErrorResponseSerializer`` — that shape, ``{"error": {"code", "message", "details"}}``;
* ``ApiTokenScheme`` — ``Authorization: Bearer ba_…`` as an HTTP bearer security scheme;
* ``postprocess`` — a hook adding what middleware does to every operation (ETag and
  ``If-None-Match``/304 on GET, ``Retry-After`` on 429), so views need not repeat it.

A paginated list view must say so: set ``pagination_class = Pagination`` on the view (and
build its paginator from it) and document ``Output(many=True)``; drf-spectacular then
documents ``limit``/``offset`` and the ``{count, next, previous, results}`` envelope (see
``CourseListApi``). Without the attribute the list is documented as a bare array.

Nested serializers all called ``Output`` would collide as schema components: name each
with ``@extend_schema_serializer(component_name="QuizSummary")``. Answers a view builds as
a dict are described by a serializer used only in ``@extend_schema`` (see
``apps/courses/api/views.py``); tests/api/test_schemathesis.py checks real responses
against what is documented.

The module is imported by ``apps.core.apps.CoreConfig.ready`` so the authentication
extension is registered before any schema is generated.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema_serializer,
)
from rest_framework import serializers

# What each documented status means here (the message of an actual error says more).
ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "The request is not valid (`invalid`; `details` holds a message per field).",
    401: (
        "The credentials sent are wrong (`authentication_failed`: a bad or revoked token) "
        "or missing where they are required (`not_authenticated`)."
    ),
    403: (
        "Signed in, but not allowed (`permission_denied`), or a session request without "
        "its CSRF token."
    ),
    404: "No such thing, or not published (`not_found`).",
    405: "The method is not allowed on this path (`method_not_allowed`).",
    409: "The request conflicts with the current state (`conflict`).",
    429: (
        "Too many requests (`throttled`): wait the number of seconds in `Retry-After` "
        "(also in `details.retry_after`)."
    ),
}


@extend_schema_serializer(component_name="Error")
class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="Stable, for programs: `not_found`, `invalid`, `throttled`, …"
    )
    message = serializers.CharField(help_text="For people.")
    details = serializers.JSONField(
        help_text=(
            "More about the error: messages per field for `invalid`, `retry_after` (seconds) "
            "for `throttled`, otherwise usually an empty object."
        )
    )


@extend_schema_serializer(component_name="ErrorResponse")
class ErrorResponseSerializer(serializers.Serializer):
    """The body of every error response."""

    error = ErrorSerializer()


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """The documented error responses for ``statuses``, all with the one error shape.

    Spread the result into ``@extend_schema(responses=…)`` next to the success response::

        from apps.core.api.schema import error_responses

        @extend_schema(
            operation_id="quiz_retrieve",
            responses={200: QuizDetailApi.Output, **error_responses(401, 404, 429)},
        )
        def get(self, request, slug): ...

    Each status gets ``ErrorResponse`` as its body and a standard description (see
    ``ERROR_DESCRIPTIONS``; any other status gets a generic one). ``Retry-After`` on 429
    is added by the ``postprocess`` hook, so 429 needs nothing more here. List the statuses
    the operation can really return: usually 401 (a bad token is refused on every
    endpoint) and 429 (every endpoint is throttled), plus 400/403/404/409 as they apply.
    """
    return {
        status: OpenApiResponse(
            response=ErrorResponseSerializer,
            description=ERROR_DESCRIPTIONS.get(status, "An error (see `error.code`)."),
        )
        for status in statuses
    }


def path_slug(name: str, description: str, example: str) -> OpenApiParameter:
    """A slug in the URL path, with a real example that the docs and schemathesis use.

    For instance ``parameters=[path_slug("slug", "The quiz.", "concurrency-quiz")]``.
    """
    return OpenApiParameter(
        name,
        OpenApiTypes.STR,
        OpenApiParameter.PATH,
        description=description,
        pattern=r"^[-a-zA-Z0-9_]+$",  # Django's <slug:…> converter: anything else is no route
        examples=[OpenApiExample(description.rstrip("."), value=example)],
    )


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """``apps.accounts.authentication.ApiTokenAuthentication`` as an HTTP bearer scheme."""

    target_class = "apps.accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"
    priority = 1

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "ba_…",
            "description": (
                "A personal token, created (and revoked) on your profile page and shown once: "
                "`Authorization: Bearer ba_…`."
            ),
        }


def _header(description: str, *, required: bool = False) -> dict[str, Any]:
    return {"schema": {"type": "string"}, "description": description, "required": required}


def postprocess(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Document, once for every operation, what the middleware does to every response.

    * GET: ``If-None-Match`` may be sent; 2xx answers carry an ``ETag``; an unchanged
      resource answers 304 (``django.middleware.http.ConditionalGetMiddleware``).
    * 429: a ``Retry-After`` header (DRF's throttling).
    * Integer path parameters are at least 0: Django's ``<int:…>`` converter matches digits
      only, so a negative id is not a request for a missing object but for no route at all.
    """
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.get("responses", {})
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter["in"] == "path" and schema.get("type") == "integer":
                    schema.setdefault("minimum", 0)  # Django's <int:…> matches digits only
            if method == "get":
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == "If-None-Match" for p in parameters):
                    parameters.append(
                        {
                            "in": "header",
                            "name": "If-None-Match",
                            "schema": {"type": "string"},
                            "description": (
                                "An `ETag` from an earlier response: if the resource has not "
                                "changed, the answer is 304 with an empty body."
                            ),
                        }
                    )
                    parameters.sort(key=lambda p: (p["in"], p["name"]))
                for status, response in responses.items():
                    if status.startswith("2"):
                        response.setdefault("headers", {})["ETag"] = _header(
                            "The representation's tag, for `If-None-Match`.", required=True
                        )
                responses.setdefault(
                    "304", {"description": "Not modified since the `ETag` sent in `If-None-Match`."}
                )
            if "429" in responses:
                responses["429"].setdefault("headers", {})["Retry-After"] = _header(
                    "Seconds to wait before trying again."
                )
            operation["responses"] = dict(sorted(responses.items()))
    return result
