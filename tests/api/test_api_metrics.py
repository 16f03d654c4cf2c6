"""Server-Timing on API responses; the SQL query count only for staff and in development."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OUTLINE = "/api/v1/courses/python-backend-engineering/"


@pytest.fixture(autouse=True)
def content(db):
    call_command("import_content", verbosity=0)


def test_anonymous_gets_the_time_but_not_the_query_count(client, settings):
    settings.API_METRICS_PUBLIC = False
    response = client.get(OUTLINE)
    assert re.fullmatch(r"app;dur=\d+\.\d", response["Server-Timing"])
    assert "X-SQL-Queries" not in response
    assert "Server-Timing" not in client.get("/")  # pages are not measured


def test_staff_get_the_query_count_and_it_is_exact(client, settings):
    settings.API_METRICS_PUBLIC = False
    client.force_login(UserFactory(is_staff=True))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(OUTLINE)
    view_queries = [q for q in ctx.captured_queries if "django_session" not in q["sql"]]
    counted = int(response["X-SQL-Queries"])
    # The count covers the whole request (session and user lookups included).
    assert counted == len(ctx.captured_queries) and counted > len(view_queries) > 0
    assert f'desc="{counted} queries"' in response["Server-Timing"]


def test_development_shows_the_count_to_everyone(client, settings):
    settings.API_METRICS_PUBLIC = True
    response = client.get("/api/v1/matrix/web-frameworks/")
    assert int(response["X-SQL-Queries"]) >= 1
