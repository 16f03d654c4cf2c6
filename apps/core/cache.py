"""Whole-page caching for anonymous readers, invalidated by the content version."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from apps.core import content_version, metrics

PAGE_TTL = 600


def cache_for_anonymous(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve anonymous GETs from the cache; signed-in pages (progress, CSRF tokens) never are.

    The key holds the content version, so publishing anything invalidates every page.
    Only 200 responses without cookies are stored.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "GET" or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
        key = f"page:{content_version.current()}:{digest}"
        hit = cache.get(key)
        metrics.page_cache.labels("miss" if hit is None else "hit").inc()
        if hit is not None:
            content, content_type = hit
            response = HttpResponse(content, content_type=content_type)
            response["X-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if (
            response.status_code == 200
            and not response.cookies
            and not getattr(response, "streaming", False)
        ):
            if hasattr(response, "render") and callable(response.render):
                response.render()
            cache.set(key, (response.content, response["Content-Type"]), PAGE_TTL)
            response["X-Cache"] = "miss"
        return response

    return wrapper
