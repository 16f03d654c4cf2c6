"""The OpenAPI document and its two explorers, mounted under /api/ by config/urls.py.

* ``/api/schema/`` — the schema, YAML by default, JSON with ``?format=json`` or
  ``Accept: application/json`` (``schema/openapi.yaml`` is the committed copy);
* ``/api/docs/`` — Swagger UI, to try requests (with the session's CSRF token);
* ``/api/redoc/`` — ReDoc, to read.

Both explorers are served from ``static/vendor/`` (nothing from a CDN) and started by
``static/js/swagger-init.js`` / ``static/js/redoc-init.js``: no inline script.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView


class ApiDocsView(TemplateView):
    http_method_names = ["get", "head", "options"]
    # Sources the page needs beyond the site's policy, per directive (see subclasses).
    csp_extra: dict[str, list[str]] = {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["schema_url"] = reverse("api-schema") + "?format=json"
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        if self.csp_extra:
            directives = {name: list(sources) for name, sources in settings.CSP_DIRECTIVES.items()}
            for name, sources in self.csp_extra.items():
                directives[name] = directives.get(
                    name, list(settings.CSP_DIRECTIVES["default-src"])
                )
                directives[name] += [s for s in sources if s not in directives[name]]
            response.csp_directives = directives  # type: ignore[attr-defined]
        return response


@method_decorator(ensure_csrf_cookie, name="get")  # "Try it out" sends it as X-CSRFToken
class SwaggerView(ApiDocsView):
    template_name = "api/swagger.html"


class RedocView(ApiDocsView):
    template_name = "api/redoc.html"
    # ReDoc writes its CSS into <style> elements, so the page needs more than style-src
    # 'self', but not 'unsafe-inline':
    # * styled-components' elements carry the page's nonce (redoc-init.js hands it over);
    # * the bundle's one static stylesheet (perfect-scrollbar's, injected when the bundle
    #   loads, before any nonce is known) is allowed by its hash, as is the empty <style>
    #   it starts as. The browser test fails on any violation if the vendored file changes.
    # Its search index runs in a Web Worker that its bundle builds from a blob: URL.
    csp_extra = {
        "style-src": [
            "'nonce-{nonce}'",
            "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",  # perfect-scrollbar CSS
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # the empty string
        ],
        "worker-src": ["'self'", "blob:"],
    }


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SwaggerView.as_view(), name="api-docs"),
    path("redoc/", RedocView.as_view(), name="api-redoc"),
]
