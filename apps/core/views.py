"""The home page, health probes and error pages."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

from apps.core.health import readiness_report


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says; point them at the logo."""
    from django.http import HttpResponsePermanentRedirect
    from django.templatetags.static import static

    return HttpResponsePermanentRedirect(static("img/logo.svg"))


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches nothing else (and no thread)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: every backing service answers; 503 when one does not."""
    results = readiness_report()
    ready = all(result.ok for result in results)
    show_errors = settings.DEBUG or (request.user.is_authenticated and request.user.is_staff)
    checks = {}
    for result in results:
        entry: dict[str, object] = {
            "status": "ok" if result.ok else "down",
            "backend": result.backend,
            "latency_ms": result.latency_ms,
        }
        if not result.ok and show_errors:
            entry["error"] = result.error
        checks[result.name] = entry
    body = {
        "status": "ready" if ready else "unavailable",
        "mode": "services" if settings.SERVICES_MODE else "embedded",
        "checks": checks,
    }
    return JsonResponse(body, status=200 if ready else 503)


ERROR_CODES = {400: "bad_request", 403: "permission_denied", 404: "not_found", 500: "server_error"}


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    wants_json = "application/json" in request.headers.get("Accept", "") or request.path.startswith(
        ("/api/", "/graphql")
    )
    if wants_json:  # the API's one error shape (apps/core/api/errors.py)
        body = {
            "error": {"code": ERROR_CODES.get(status, "error"), "message": message, "details": {}}
        }
        return JsonResponse(body, status=status)
    return render(
        request, "error.html", {"status": status, "title": title, "message": message}, status=status
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "Bad request", "The request could not be understood.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "Forbidden", "You do not have permission to see this page.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "Page not found", "There is nothing at this address.")


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(
        request, 500, "Server error", "Something went wrong on our side. It has been logged."
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the site's 403 page instead of Django's inline-styled one."""
    message = (
        "This form could not be sent: it is out of date, or your browser did not send the "
        "site's cookie. Go back, reload the page and try again."
    )
    if settings.DEBUG and reason:
        message += f" (Reason given by the CSRF check: {reason})"
    return _error(request, 403, "Form expired", message)


@ensure_csrf_cookie
@require_safe
def api_explorer(request: HttpRequest) -> HttpResponse:
    """REST and GraphQL side by side: the same questions asked of both, run live."""
    from apps.core.explorer import explorer_operations

    return render(
        request,
        "core/explorer.html",
        {
            "operations": explorer_operations(user=request.user),
            "metrics_visible": settings.API_METRICS_PUBLIC
            or (request.user.is_authenticated and request.user.is_staff),
        },
    )
