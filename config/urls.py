"""URL configuration: every app's routes, assembled once."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Backend Academy authoring"
admin.site.site_title = "Backend Academy admin"

urlpatterns = [
    path("", include("apps.core.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("", include("apps.courses.urls")),
    path("", include("apps.quizzes.urls")),
    path("", include("apps.matrix.urls")),
    path("", include("apps.exercises.urls")),
    path("", include("apps.live.urls")),
    path("", include("apps.classes.urls")),
    path("", include("apps.labs.urls")),
    path("", include("apps.checks.urls")),
    path("api/v1/", include("config.api_urls")),
    path("graphql", include("config.graphql.urls")),  # GraphQL API (+ GraphiQL in development)
    path("api/", include("apps.core.api.docs")),  # the OpenAPI schema, Swagger UI, ReDoc
    # One login page for everyone, with the login throttle (the admin's own has none).
    path("admin/login/", RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
    path("admin/", admin.site.urls),
]

if settings.BENCH_FLOOR_VIEWS:  # bench/api_bench.py only: the framework-free baseline
    urlpatterns.append(path("bench/floor/", include("apps.core.floor")))

handler400 = "apps.core.views.bad_request"
handler403 = "apps.core.views.permission_denied"
handler404 = "apps.core.views.page_not_found"
handler500 = "apps.core.views.server_error"
