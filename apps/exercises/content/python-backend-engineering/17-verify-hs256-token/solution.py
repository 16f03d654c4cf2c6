"""Sign and verify an HS256 token by hand."""

import base64
import binascii
import hashlib
import hmac
import json
import re

_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")


class InvalidToken(Exception):
    """The token must not be trusted."""


class ExpiredToken(InvalidToken):
    """The token was valid but its exp has passed."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64url_decode(segment: str) -> bytes:
    if not _SEGMENT.fullmatch(segment):
        raise InvalidToken("invalid base64url characters")
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidToken("invalid base64url") from exc


def _dumps(obj: dict) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _mac(key: bytes, signing_input: str) -> bytes:
    return hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()


def sign(claims: dict, key: bytes) -> str:
    """Return an HS256 JWT for `claims`."""
    header = b64url_encode(_dumps({"alg": "HS256", "typ": "JWT"}))
    payload = b64url_encode(_dumps(claims))
    return f"{header}.{payload}.{b64url_encode(_mac(key, f'{header}.{payload}'))}"


def _json_object(raw: bytes) -> dict:
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidToken("segment is not JSON") from exc
    if not isinstance(value, dict):
        raise InvalidToken("segment is not a JSON object")
    return value


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def verify(token: str, key: bytes, *, audience: str, now: float, leeway: float = 0) -> dict:
    """Return the claims of a valid token, or raise InvalidToken / ExpiredToken."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        raise InvalidToken("a token has three segments")
    header_seg, payload_seg, signature_seg = parts
    header_raw, payload_raw, signature = (b64url_decode(p) for p in parts)

    header = _json_object(header_raw)
    if header.get("alg") != "HS256":
        raise InvalidToken("algorithm not allowed")

    expected = _mac(key, f"{header_seg}.{payload_seg}")
    if not hmac.compare_digest(expected, signature):
        raise InvalidToken("bad signature")

    claims = _json_object(payload_raw)
    for name in ("exp", "sub", "aud"):
        if name not in claims:
            raise InvalidToken(f"missing claim {name!r}")
    if not _is_number(claims["exp"]):
        raise InvalidToken("exp must be a number")
    if now >= claims["exp"] + leeway:
        raise ExpiredToken("token expired")
    if "nbf" in claims:
        if not _is_number(claims["nbf"]):
            raise InvalidToken("nbf must be a number")
        if now < claims["nbf"] - leeway:
            raise InvalidToken("token not valid yet")
    aud = claims["aud"]
    if not (aud == audience or (isinstance(aud, list) and audience in aud)):
        raise InvalidToken("wrong audience")
    return claims
