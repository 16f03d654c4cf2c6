"""Sign and verify an HS256 token by hand."""

import base64
import hashlib
import hmac
import json


class InvalidToken(Exception):
    """The token must not be trusted."""


class ExpiredToken(InvalidToken):
    """The token was valid but its exp has passed."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def sign(claims: dict, key: bytes) -> str:
    """Return an HS256 JWT for `claims`."""
    raise NotImplementedError


def verify(token: str, key: bytes, *, audience: str, now: float, leeway: float = 0) -> dict:
    """Return the claims of a valid token, or raise InvalidToken / ExpiredToken."""
    # Reads the payload and trusts it: the signature is never checked.
    payload = json.loads(b64url_decode(token.split(".")[1]))
    if now >= payload["exp"]:
        raise ExpiredToken("token expired")
    return payload
