"""Reads of accounts and their API tokens, for the profile page and ``manage.py api_token``."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.models import TOKEN_PREFIX, ApiToken, User, token_key_hash
from apps.core.errors import Conflict, NotFound


def user_get_by_username(*, username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"No user named {username!r}.")
    return user


def api_token_list(*, user: User | None = None) -> QuerySet[ApiToken]:
    """Tokens, newest first: one user's, or everyone's (with their users)."""
    tokens = ApiToken.objects.all() if user is None else user.api_tokens.all()
    return tokens.select_related("user").order_by("-created_at", "-pk")


def api_token_get(*, reference: str) -> ApiToken:
    """The token with this id, or the prefix ``api_token_list`` shows, or this whole key."""
    reference = reference.strip()
    tokens = ApiToken.objects.select_related("user")
    if reference.isdigit():
        found = list(tokens.filter(pk=int(reference)))
    elif reference.startswith(TOKEN_PREFIX):
        found = list(tokens.filter(key_hash=token_key_hash(reference))) or list(
            tokens.filter(prefix=reference)
        )
    else:
        found = []
    if not found:
        raise NotFound(f"No token with the id or prefix {reference!r}.")
    if len(found) > 1:
        raise Conflict(f"Several tokens start with {reference!r}; give the token's id instead.")
    return found[0]
