"""The GraphQL endpoint (/graphql): the REST API's credentials, throttles and error codes.

A request goes through these steps, each answering with a standard GraphQL error
body (``{"errors": [{"message", "extensions": {"code"}}]}``) when it refuses:

====================================  =====  ===================================
step                                  HTTP   ``extensions.code``
====================================  =====  ===================================
GET or POST only                      405    method_not_allowed
body / query string size              400    request_too_large
``Authorization: Bearer ba_…`` token  401    authentication_failed
CSRF for session-authenticated POST   403    csrf_failed
throttles (``REST_FRAMEWORK``)        429    throttled (+ ``Retry-After``)
POST must be ``application/json``     415    unsupported_media_type
one operation per request             400    batching_not_supported / bad_request
parser token cap                      400    query_too_large / graphql_parse_failed
mutation over GET                     405    method_not_allowed
limits (validation.py), then spec     400    query_too_deep, too_many_aliases, …
execution: resolver errors            200    the domain code (not_found, …)
====================================  =====  ===================================

Authentication reuses DRF's classes rather than re-implementing them: the token is
read by ``ApiTokenAuthentication`` (so it wins over a session, as in DRF), and a
session-authenticated POST must pass ``SessionAuthentication.enforce_csrf`` —
Django's CSRF middleware rules, applied only when a session carries a user, exactly
as DRF does. Anonymous POSTs need no CSRF token (they act as nobody); token requests
carry no cookies. Throttling instantiates ``REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]``,
so both APIs count against the same per-user and per-address budgets.

GraphiQL (vendored under ``static/vendor/graphiql``, no CDN) is served to browsers on
GET when ``GRAPHQL_GRAPHIQL`` is on (development); elsewhere an HTML GET is just an
API request without a query.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from graphene_django.settings import graphene_settings
from graphene_django.views import GraphQLView
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSyntaxError,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from apps.accounts.authentication import ApiTokenAuthentication
from apps.core import jsonbody
from config.graphql import errors as codes
from config.graphql.errors import error_dict, format_error
from config.graphql.validation import NUL_MESSAGE, has_nul, limit_rules


def _rule_settings() -> tuple[Any, ...]:
    """What parsing and validation depend on besides the query (read per request)."""
    return (
        settings.GRAPHQL_MAX_TOKENS,
        settings.GRAPHQL_MAX_DEPTH,
        settings.GRAPHQL_MAX_ALIASES,
        settings.GRAPHQL_MAX_FIELDS,
        settings.GRAPHQL_INTROSPECTION,
        settings.GRAPHQL_FIELD_SUGGESTIONS,
    )


class ValidDocuments:
    """The last ``size`` query texts that parsed and passed every validation rule.

    Parsing and validating cost more than executing a small query (1–2 ms for the
    course outline), and clients send the same few query texts again and again. A hit
    skips both; execution is unchanged (graphql-core never mutates a document).
    Failures are never stored, so each bad query pays the full price and cannot evict
    good entries faster than good ones are used; texts over ``max_chars`` are not
    stored either. The key includes the limit settings, so a change re-checks them.
    """

    def __init__(self, size: int = 256, max_chars: int = 8192) -> None:
        self.size = size
        self.max_chars = max_chars
        self._items: OrderedDict[tuple[Any, ...], DocumentNode] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> DocumentNode | None:
        with self._lock:
            document = self._items.get(key)
            if document is not None:
                self._items.move_to_end(key)
            return document

    def put(self, key: tuple[Any, ...], document: DocumentNode) -> None:
        if len(key[0]) > self.max_chars or self.size <= 0:
            return
        with self._lock:
            self._items[key] = document
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


VALID_DOCUMENTS = ValidDocuments()


class Refusal(Exception):
    """A request refused before execution: the status, one error, extra headers."""

    def __init__(
        self, status: int, message: str, code: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}


class GraphQLApiView(GraphQLView):
    graphiql_template = "graphene/graphiql.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = self.handle(request)
        except Refusal as refusal:
            response = self.respond(
                request,
                {"errors": [error_dict(refusal.message, refusal.code)]},
                status=refusal.status,
            )
            for name, value in refusal.headers.items():
                response[name] = value
        return response  # Vary and Cache-Control: apps.core.middleware.ApiCacheHeadersMiddleware

    def handle(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "POST"):
            raise Refusal(
                405,
                "GraphQL only supports GET (queries) and POST (queries and mutations).",
                codes.METHOD_NOT_ALLOWED,
                headers={"Allow": "GET, POST"},
            )
        body = self.read_body(request)
        self.authenticate(request)
        self.throttle(request)
        if request.method == "GET" and self.graphiql_enabled() and self.wants_graphiql(request):
            return self.graphiql_page(request)
        query, variables, operation_name = self.graphql_params(request, body)
        return self.run(request, query, variables, operation_name)

    # ------------------------------------------------------------------ transport
    def read_body(self, request: HttpRequest) -> bytes:
        limit = settings.GRAPHQL_MAX_BODY_BYTES
        too_large = Refusal(
            400, f"The request is larger than {limit} bytes.", codes.REQUEST_TOO_LARGE
        )
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit or len(request.META.get("QUERY_STRING", "")) > limit:
            raise too_large
        if request.method != "POST":
            return b""
        try:
            body = request.body
        except RequestDataTooBig:
            raise too_large from None
        if len(body) > limit:
            raise too_large
        return body

    def authenticate(self, request: HttpRequest) -> None:
        try:
            found = ApiTokenAuthentication().authenticate(request)
        except exceptions.AuthenticationFailed as exc:
            raise Refusal(
                401,
                str(exc.detail),
                codes.AUTHENTICATION_FAILED,
                headers={"WWW-Authenticate": "Bearer"},
            ) from None
        if found is not None:
            request.user = found[0]
            return
        if request.method == "POST" and request.user.is_authenticated:
            try:
                SessionAuthentication().enforce_csrf(request)  # type: ignore[arg-type]
            except exceptions.PermissionDenied as exc:
                raise Refusal(403, str(exc.detail), codes.CSRF_FAILED) from None

    def throttle(self, request: HttpRequest) -> None:
        waits: list[float] = []
        refused = False
        classes = cast(list[type[BaseThrottle]], api_settings.DEFAULT_THROTTLE_CLASSES)
        for throttle_class in classes:
            throttle = throttle_class()
            if not throttle.allow_request(request, self):  # type: ignore[arg-type]
                refused = True
                wait = throttle.wait()
                if wait is not None:
                    waits.append(wait)
        if refused:
            wait_seconds = math.ceil(max(waits)) if waits else None
            message = str(exceptions.Throttled(wait_seconds).detail)
            headers = {"Retry-After": str(wait_seconds)} if wait_seconds is not None else {}
            raise Refusal(429, message, codes.THROTTLED, headers=headers)

    def graphql_params(
        self, request: HttpRequest, body: bytes
    ) -> tuple[str, dict[str, Any] | None, str | None]:
        if request.method == "GET":
            data: Any = {
                "query": request.GET.get("query"),
                "variables": request.GET.get("variables"),
                "operationName": request.GET.get("operationName"),
            }
        else:
            if self.get_content_type(request) != "application/json":
                raise Refusal(
                    415,
                    "Send GraphQL requests as JSON: POST with Content-Type: application/json "
                    "(or GET with ?query=… for queries). Form and multipart bodies are refused.",
                    codes.UNSUPPORTED_MEDIA_TYPE,
                )
            try:
                data = jsonbody.loads(body, what="The request body")
            except jsonbody.JsonError as exc:
                raise Refusal(400, str(exc), codes.BAD_REQUEST) from None
            if isinstance(data, list):
                raise Refusal(
                    400,
                    "Query batching is not supported: send one operation per request.",
                    codes.BATCHING_NOT_SUPPORTED,
                )
            if not isinstance(data, dict):
                raise Refusal(
                    400,
                    'The request body must be a JSON object: {"query": …, "variables": …}.',
                    codes.BAD_REQUEST,
                )
        query = data.get("query")
        if not query:
            raise Refusal(400, "Must provide a query string.", codes.BAD_REQUEST)
        if not isinstance(query, str):
            raise Refusal(400, "'query' must be a string.", codes.BAD_REQUEST)
        variables = data.get("variables")
        if isinstance(variables, str):
            try:
                variables = (
                    jsonbody.loads(variables, what="'variables'") if variables.strip() else None
                )
            except jsonbody.JsonError as exc:
                raise Refusal(400, str(exc), codes.BAD_REQUEST) from None
        if variables is not None and not isinstance(variables, dict):
            raise Refusal(400, "'variables' must be a JSON object.", codes.BAD_REQUEST)
        operation_name = data.get("operationName") or None
        if operation_name is not None and not isinstance(operation_name, str):
            raise Refusal(400, "'operationName' must be a string.", codes.BAD_REQUEST)
        return query, variables, operation_name

    # ------------------------------------------------------------------ GraphQL
    def run(
        self,
        request: HttpRequest,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
    ) -> HttpResponse:
        schema = self.schema.graphql_schema
        suggestions = settings.GRAPHQL_FIELD_SUGGESTIONS
        cache_key = (query, *_rule_settings())
        document = VALID_DOCUMENTS.get(cache_key)
        if document is None:
            checked = self.parse_and_validate(request, query, operation_name, suggestions)
            if isinstance(checked, HttpResponse):
                return checked
            document = checked
            VALID_DOCUMENTS.put(cache_key, document)
        else:
            self.refuse_mutation_over_get(request, document, operation_name)
        if variables and has_nul(variables):
            raise Refusal(400, NUL_MESSAGE, codes.BAD_USER_INPUT)

        result = execute(
            schema,
            document,
            root_value=self.get_root_value(request),
            context_value=request,
            variable_values=variables,
            operation_name=operation_name,
            middleware=self.get_middleware(request),
            hide_suggestions=not suggestions,
        )
        assert isinstance(result, ExecutionResult)  # no async resolvers in this schema
        if result.errors and result.data is None and any(not e.path for e in result.errors):
            # Refused before any field ran (variables, operation name): a bad request.
            return self.errors_response(request, result.errors, 400, codes.BAD_USER_INPUT)
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [
                format_error(e, default_code=codes.BAD_USER_INPUT, suggestions=suggestions)
                for e in result.errors
            ]
        return self.respond(request, payload)

    def parse_and_validate(
        self, request: HttpRequest, query: str, operation_name: str | None, suggestions: bool
    ) -> DocumentNode | HttpResponse:
        """Parse under the token cap; refuse a mutation over GET; run the limit rules,
        then the specification's."""
        schema = self.schema.graphql_schema
        try:
            document = parse(query, max_tokens=settings.GRAPHQL_MAX_TOKENS)
        except GraphQLSyntaxError as error:
            if "tokens. Parsing aborted" in error.message:
                raise Refusal(
                    400,
                    f"The query is too large: more than {settings.GRAPHQL_MAX_TOKENS} tokens.",
                    codes.QUERY_TOO_LARGE,
                ) from None
            return self.errors_response(request, [error], 400, codes.PARSE_FAILED)
        except RecursionError:
            raise Refusal(400, "The query is nested too deeply.", codes.QUERY_TOO_DEEP) from None
        self.refuse_mutation_over_get(request, document, operation_name)
        try:
            problems = validate(schema, document, limit_rules(), max_errors=10)
            if not problems:
                problems = validate(
                    schema,
                    document,
                    specified_rules,
                    max_errors=graphene_settings.MAX_VALIDATION_ERRORS,
                    hide_suggestions=not suggestions,
                )
        except RecursionError:
            raise Refusal(400, "The query is nested too deeply.", codes.QUERY_TOO_DEEP) from None
        if problems:
            return self.errors_response(request, problems, 400, codes.VALIDATION_FAILED)
        return document

    @staticmethod
    def refuse_mutation_over_get(
        request: HttpRequest, document: DocumentNode, operation_name: str | None
    ) -> None:
        operation = get_operation_ast(document, operation_name)
        if (
            request.method == "GET"
            and operation is not None
            and operation.operation != OperationType.QUERY
        ):
            raise Refusal(
                405,
                f"Can only perform a {operation.operation.value} operation from a POST request "
                "(GET runs queries only).",
                codes.METHOD_NOT_ALLOWED,
                headers={"Allow": "POST"},
            )

    def errors_response(
        self, request: HttpRequest, found: list[GraphQLError], status: int, default_code: str
    ) -> HttpResponse:
        suggestions = settings.GRAPHQL_FIELD_SUGGESTIONS
        return self.respond(
            request,
            {
                "errors": [
                    format_error(e, default_code=default_code, suggestions=suggestions)
                    for e in found
                ]
            },
            status=status,
        )

    def respond(
        self, request: HttpRequest, payload: dict[str, Any], status: int = 200
    ) -> HttpResponse:
        return HttpResponse(
            self.json_encode(request, payload), status=status, content_type="application/json"
        )

    # ------------------------------------------------------------------ GraphiQL
    @staticmethod
    def graphiql_enabled() -> bool:
        return bool(settings.GRAPHQL_GRAPHIQL)

    def wants_graphiql(self, request: HttpRequest) -> bool:
        return "raw" not in request.GET and self.request_wants_html(request)

    def graphiql_page(self, request: HttpRequest) -> HttpResponse:
        get_token(request)  # the page's fetches send it back as X-CSRFToken
        response = render(request, self.graphiql_template, {"endpoint": request.path})
        directives = {name: list(values) for name, values in settings.CSP_DIRECTIVES.items()}
        # GraphiQL's bundle sets inline styles and embeds its fonts as data: URLs;
        # scripts stay 'self'-only.
        directives["style-src"] = [*directives.get("style-src", ["'self'"]), "'unsafe-inline'"]
        directives["font-src"] = [*directives.get("font-src", ["'self'"]), "data:"]
        response.csp_directives = directives  # type: ignore[attr-defined]
        return response
