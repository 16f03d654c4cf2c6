"""Personal API tokens for Django REST framework: ``Authorization: Bearer ba_…``.

``Token`` (DRF's own convention) is accepted as a synonym, and schemes are compared
case-insensitively (RFC 9110). Any other scheme (``Basic``, ``JWT``, …) is a 401 that
names the expected one: a request that carries credentials is never silently treated as
anonymous. The GraphQL view authenticates through this class too.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework import authentication, exceptions

from apps.accounts.services import api_token_authenticate

SCHEMES = frozenset({"bearer", "token"})
# A scheme name worth echoing in the error (a lone word may be a token: never echoed).
_SCHEME_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,19}$")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[Any, None] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        parts = header.split()
        if not parts:
            return None
        scheme = parts[0]
        if len(parts) >= 2 and scheme.lower() not in SCHEMES and _SCHEME_NAME.match(scheme):
            raise exceptions.AuthenticationFailed(
                f"Unsupported authorization scheme '{scheme}': "
                "send 'Authorization: Bearer <token>'."
            )
        if len(parts) != 2 or scheme.lower() not in SCHEMES:
            raise exceptions.AuthenticationFailed("Send 'Authorization: Bearer <token>'.")
        user = api_token_authenticate(key=parts[1])
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        return user, None

    def authenticate_header(self, request: Any) -> str:
        return self.keyword
