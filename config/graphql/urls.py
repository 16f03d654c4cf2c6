"""/graphql, included from config/urls.py."""

from __future__ import annotations

from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.graphql.schema import schema
from config.graphql.view import GraphQLApiView

# CSRF is enforced by the view itself, for session-authenticated POSTs only (as DRF does).
urlpatterns = [
    path("", csrf_exempt(GraphQLApiView.as_view(schema=schema)), name="graphql"),
]
