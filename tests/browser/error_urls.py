"""The site's URLs plus views that fail on purpose (the error-page browser tests)."""

from __future__ import annotations

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as site


def server_error(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a failure on purpose")


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def bad_request(request: HttpRequest) -> HttpResponse:
    raise BadRequest("a bad request on purpose")


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("a suspicious request on purpose")


urlpatterns = [
    path("test-errors/500/", server_error),
    path("test-errors/403/", forbidden),
    path("test-errors/400/", bad_request),
    path("test-errors/suspicious/", suspicious),
    *site,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
