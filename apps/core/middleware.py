"""Request ids, request logging, security headers and the API's cache headers.

The middlewares are sync- and async-capable, so under ASGI the whole chain stays
on the event loop and only the view itself hops to a thread (a sync-only
middleware here would bounce every request between the loop and Django's single
sync thread several times).
"""

from __future__ import annotations

import base64
import hashlib
import html
import logging
import re
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

from apps.core.logging import request_id_var

logger = logging.getLogger("apps.request")

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

GetResponse = (
    Callable[[HttpRequest], HttpResponse] | Callable[[HttpRequest], Awaitable[HttpResponse]]
)


class _HybridMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        self.before(request)
        response = self.get_response(request)
        return self.after(request, response)  # type: ignore[arg-type]

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        self.before(request)
        response = await self.get_response(request)  # type: ignore[misc]
        return self.after(request, response)

    def before(self, request: HttpRequest) -> None:
        pass

    def after(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        return response


class RequestIdMiddleware(_HybridMiddleware):
    """Give every request an id (the caller's ``X-Request-ID`` when well-formed).

    The id goes into every log line written while the request runs, into the
    ``X-Request-ID`` response header, and into a closing access-log line.
    """

    def before(self, request: HttpRequest) -> None:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        request._started = time.perf_counter()  # type: ignore[attr-defined]
        # Not reset afterwards: each ASGI request runs in its own context, and Django
        # logs failed responses (django.request) after the middleware chain returns.
        request_id_var.set(request_id)

    def after(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - request._started) * 1000, 2),  # type: ignore[attr-defined]
            },
        )
        return response


class SecurityHeadersMiddleware(_HybridMiddleware):
    """Content-Security-Policy (with a per-request nonce) and Permissions-Policy.

    Templates put ``nonce="{{ request.csp_nonce }}"`` on the rare inline script;
    everything else loads from ``'self'``. A view may set ``response.csp_directives``
    to replace the policy for its own response.
    """

    def before(self, request: HttpRequest) -> None:
        request.csp_nonce = secrets.token_urlsafe(18)  # type: ignore[attr-defined]

    def after(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if "Content-Security-Policy" not in response:
            directives = getattr(response, "csp_directives", None) or settings.CSP_DIRECTIVES
            if settings.DEBUG and _is_debug_page(response):
                directives = _allow_debug_page_inline(directives, response.content)
            response["Content-Security-Policy"] = build_csp(directives, request.csp_nonce)  # type: ignore[attr-defined]
        response.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
        )
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


# Django's technical 404 and 500 pages (DEBUG only) carry their CSS, script and event
# handlers inline. Rather than 'unsafe-inline', such a page's policy allows exactly the
# inline code it contains, by hash; everything else stays as strict as on every page.
_DEBUG_PAGE_MARKER = b'<meta name="robots" content="NONE,NOARCHIVE">'
_INLINE_STYLE = re.compile(rb"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)
_INLINE_SCRIPT = re.compile(
    rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE
)
_EVENT_HANDLER = re.compile(rb'\son[a-z]+="([^"]*)"', re.IGNORECASE)


def _is_debug_page(response: HttpResponse) -> bool:
    return (
        response.status_code >= 400
        and not response.streaming
        and response.get("Content-Type", "").startswith("text/html")
        and _DEBUG_PAGE_MARKER in response.content[:2048]
    )


def _csp_hash(source: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source).digest()).decode() + "'"


def _allow_debug_page_inline(
    directives: dict[str, list[str]], content: bytes
) -> dict[str, list[str]]:
    styles = {_csp_hash(block) for block in _INLINE_STYLE.findall(content)}
    scripts = {_csp_hash(block) for block in _INLINE_SCRIPT.findall(content)}
    handlers = {
        _csp_hash(html.unescape(value.decode()).encode())
        for value in _EVENT_HANDLER.findall(content)
    }
    allowed = {name: list(sources) for name, sources in directives.items()}
    allowed["style-src"] = allowed.get("style-src", ["'self'"]) + sorted(styles)
    extra_scripts = sorted(scripts) + (["'unsafe-hashes'", *sorted(handlers)] if handlers else [])
    allowed["script-src"] = allowed.get("script-src", ["'self'"]) + extra_scripts
    return allowed


def build_csp(directives: dict[str, list[str]], nonce: str) -> str:
    parts = []
    for name, sources in directives.items():
        values = " ".join(source.replace("{nonce}", nonce) for source in sources)
        parts.append(f"{name} {values}".strip())
    return "; ".join(parts)


class ApiMetricsMiddleware(_HybridMiddleware):
    """Server time and SQL query count on API responses (the API explorer shows them).

    ``Server-Timing: app;dur=…`` goes on every API response. The query count
    (``X-SQL-Queries`` and a ``db`` entry in Server-Timing) goes only to staff, and to
    everyone when ``API_METRICS_PUBLIC`` is on (development): it describes the server.
    Counting hooks the request thread's database connection, so it runs in sync mode,
    which is how HTTP is served (config/asgi.py); in async mode only the time is sent.
    """

    PREFIXES = ("/api/", "/graphql")

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async or not request.path.startswith(self.PREFIXES):
            return super().__call__(request)
        counter = _QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            response: HttpResponse = self.get_response(request)  # type: ignore[assignment]
        elapsed = (time.perf_counter() - started) * 1000
        timing = [f"app;dur={elapsed:.1f}"]
        user = getattr(request, "user", None)
        if settings.API_METRICS_PUBLIC or (user is not None and user.is_staff):
            response["X-SQL-Queries"] = str(counter.count)
            timing.append(f'db;dur={counter.seconds * 1000:.1f};desc="{counter.count} queries"')
        response["Server-Timing"] = ", ".join(timing)
        return response

    def after(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.path.startswith(self.PREFIXES):
            started = getattr(request, "_started", None)
            if started is not None:
                response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response


class ApiCacheHeadersMiddleware(_HybridMiddleware):
    """Keep shared caches from serving one caller's API response to another.

    Every REST and GraphQL response varies on ``Authorization`` and ``Cookie`` (the two
    ways to be someone). A request that carries credentials — a token, or the session
    cookie — gets ``Cache-Control: private, no-cache``: no shared cache (proxy, CDN) may
    store it, and the caller's own browser keeps it only to revalidate it, so the
    ``ETag``/``304`` path still saves the body while a submitted attempt is never read
    stale. (``no-store`` would forbid even that copy, and with it every ``304``; the
    same data is on the learner's own pages.) Anonymous responses are the published
    content anyone can read and are left as they are.

    It sits inside ``ConditionalGetMiddleware``, which copies both headers onto a 304.
    Credentials are read from the request's headers, not ``request.user``, so nothing
    here touches the session or the database (the chain may run on the event loop).
    """

    PREFIXES = ("/api/v1/", "/graphql")

    def after(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not request.path.startswith(self.PREFIXES):
            return response
        patch_vary_headers(response, ("Authorization", "Cookie"))
        if "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES:
            patch_cache_control(response, private=True, no_cache=True)
        return response


class _QueryCounter:
    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started
