"""Small HTTP helpers shared by every surface."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address, trusting ``X-Forwarded-For`` only behind known proxies.

    With ``TRUSTED_PROXY_COUNT = n`` the address is the n-th entry from the right of
    ``X-Forwarded-For`` (the one the outermost trusted proxy saw); anything to its
    left was written by the client and is ignored.
    """
    remote = request.META.get("REMOTE_ADDR") or "unknown"
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]


def scope_client_ip(scope: dict) -> str:
    """The client's address for an ASGI scope (websockets)."""
    client = scope.get("client") or ("unknown", 0)
    remote = str(client[0])
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    headers = dict(scope.get("headers") or [])
    raw = headers.get(b"x-forwarded-for", b"").decode("latin-1")
    forwarded = [part.strip() for part in raw.split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]
