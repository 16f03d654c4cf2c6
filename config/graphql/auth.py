"""Who is asking, for resolvers and mutations.

The view has already authenticated the request with the REST API's credentials (a
personal ``Bearer`` token or the session), so ``info.context.user`` is the user or
``AnonymousUser``. Resolvers only ask; object-level rules stay in the selectors.

    @staticmethod
    @login_required
    def resolve_attempt(root, info, id):
        return selectors.attempt_get(user=current_user(info), attempt_id=id)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from graphql import GraphQLResolveInfo

from config.graphql.errors import (
    NOT_AUTHENTICATED,
    NOT_AUTHENTICATED_MESSAGE,
    PERMISSION_DENIED,
    PERMISSION_DENIED_MESSAGE,
    api_error,
)

Resolver = TypeVar("Resolver", bound=Callable[..., Any])


def current_user(info: GraphQLResolveInfo) -> Any:
    """The request's user (``AnonymousUser`` when nobody is signed in)."""
    return info.context.user


def require_login(info: GraphQLResolveInfo) -> Any:
    """The signed-in user, or a ``not_authenticated`` GraphQL error."""
    user = current_user(info)
    if not user.is_authenticated:
        raise api_error(NOT_AUTHENTICATED_MESSAGE, NOT_AUTHENTICATED)
    return user


def login_required(resolver: Resolver) -> Resolver:
    """Decorate a resolver ``(root, info, **args)``: anonymous callers get ``not_authenticated``."""

    @functools.wraps(resolver)
    def wrapper(root: Any, info: GraphQLResolveInfo, *args: Any, **kwargs: Any) -> Any:
        require_login(info)
        return resolver(root, info, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def permission_required(perm: str) -> Callable[[Resolver], Resolver]:
    """Decorate a resolver: login first, then ``user.has_perm(perm)`` or ``permission_denied``."""

    def decorator(resolver: Resolver) -> Resolver:
        @functools.wraps(resolver)
        def wrapper(root: Any, info: GraphQLResolveInfo, *args: Any, **kwargs: Any) -> Any:
            user = require_login(info)
            if not user.has_perm(perm):
                raise api_error(PERMISSION_DENIED_MESSAGE, PERMISSION_DENIED)
            return resolver(root, info, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
