"""GraphQL errors: one mapping from exceptions to ``errors[]`` entries.

Every error the API answers with is a standard GraphQL error whose
``extensions.code`` is machine-readable, using the REST API's codes where both
APIs can fail the same way::

    {"message": "No such lesson.", "locations": [...], "path": ["lesson"],
     "extensions": {"code": "not_found"}}

Resolvers and mutations do not catch domain errors: a service or selector raises an
``ApplicationError`` subclass, graphql-core records it against the field, and
:func:`format_error` turns it into ``message`` + ``extensions.code`` (+ ``details``
when the error carries ``extra``). A ``ValueError`` (or ``TypeError``) raised while the
request's values are read — outside any field — is the client's: ``bad_user_input``,
logged as a warning. Anything else that escapes a resolver is logged with its traceback
and answered as ``"Internal error."`` / ``internal_error``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from graphql import GraphQLError

from apps.core.errors import ApplicationError

logger = logging.getLogger("config.graphql")

# Codes used by the transport and the validation rules (domain codes come from the
# ApplicationError subclasses: not_found, permission_denied, conflict, invalid, …).
BAD_REQUEST = "bad_request"
METHOD_NOT_ALLOWED = "method_not_allowed"
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
BATCHING_NOT_SUPPORTED = "batching_not_supported"
REQUEST_TOO_LARGE = "request_too_large"
QUERY_TOO_LARGE = "query_too_large"
QUERY_TOO_DEEP = "query_too_deep"
TOO_MANY_ALIASES = "too_many_aliases"
TOO_MANY_FIELDS = "too_many_fields"
INTROSPECTION_DISABLED = "introspection_disabled"
PARSE_FAILED = "graphql_parse_failed"
VALIDATION_FAILED = "graphql_validation_failed"
BAD_USER_INPUT = "bad_user_input"
NOT_AUTHENTICATED = "not_authenticated"
AUTHENTICATION_FAILED = "authentication_failed"
CSRF_FAILED = "csrf_failed"
PERMISSION_DENIED = "permission_denied"
NOT_FOUND = "not_found"
THROTTLED = "throttled"
INTERNAL_ERROR = "internal_error"

INTERNAL_ERROR_MESSAGE = "Internal error."
NOT_AUTHENTICATED_MESSAGE = "Authentication credentials were not provided."
PERMISSION_DENIED_MESSAGE = "You do not have permission to perform this action."

_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def api_error(message: str, code: str, **details: Any) -> GraphQLError:
    """A GraphQL error with ``extensions.code`` (and ``details`` when given); raise it."""
    extensions: dict[str, Any] = {"code": code}
    if details:
        extensions["details"] = details
    return GraphQLError(message, extensions=extensions)


def error_dict(message: str, code: str, **details: Any) -> dict[str, Any]:
    """An ``errors[]`` entry for failures before execution (transport, limits)."""
    extensions: dict[str, Any] = {"code": code}
    if details:
        extensions["details"] = details
    return {"message": message, "extensions": extensions}


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def strip_suggestions(message: str) -> str:
    """Remove graphql-core's "Did you mean …?" hints (they disclose schema names)."""
    return _SUGGESTION.sub("", message)


def format_error(error: GraphQLError, *, default_code: str, suggestions: bool) -> dict[str, Any]:
    """One ``errors[]`` entry: the domain's message and code, never a traceback."""
    formatted: dict[str, Any] = dict(error.formatted)
    original = error.original_error
    extensions: dict[str, Any]
    if original is None or isinstance(original, GraphQLError):
        extensions = dict(error.extensions or {})
        extensions.setdefault("code", default_code)
        message = error.message
    elif isinstance(original, ApplicationError):
        message = original.message
        extensions = {"code": original.code}
        if original.extra:
            extensions["details"] = original.extra
    elif isinstance(original, Http404):
        message, extensions = "Not found.", {"code": NOT_FOUND}
    elif isinstance(original, DjangoPermissionDenied):
        message, extensions = PERMISSION_DENIED_MESSAGE, {"code": PERMISSION_DENIED}
    elif not error.path and isinstance(original, ValueError | TypeError | OverflowError):
        # Raised while reading the request's values (a scalar's parse_literal or
        # parse_value during validation or variable coercion), not by a resolver: the
        # input is bad. A client error: logged without a traceback.
        logger.warning("GraphQL input refused: %s", _shorten(str(original)))
        message, extensions = _shorten(error.message), {"code": BAD_USER_INPUT}
    else:
        logger.error(
            "GraphQL resolver error at %s",
            ".".join(str(key) for key in error.path or []),
            exc_info=(type(original), original, original.__traceback__),
        )
        message, extensions = INTERNAL_ERROR_MESSAGE, {"code": INTERNAL_ERROR}
    formatted["message"] = message if suggestions else strip_suggestions(message)
    formatted["extensions"] = extensions
    return formatted
