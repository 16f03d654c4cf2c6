"""REST: courses, lessons, search and the matrix; tokens; errors; ETags; throttling."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from tests.factories import LessonFactory, UserFactory

pytestmark = pytest.mark.django_db

LESSON = "/api/v1/lessons/python-backend-engineering/concurrency/the-gil-explained/"


@pytest.fixture
def content(db):
    call_command("import_content", verbosity=0)


@pytest.fixture
def api():
    return APIClient()


def test_root_lists_the_endpoints(api):
    body = api.get("/api/v1/").json()
    assert set(body) == {
        "courses", "search", "matrix", "quizzes", "attempts", "progress",
        "live_sessions", "live_results", "exercises", "runs", "classes", "due", "labs",
    }  # fmt: skip
    for url in body.values():  # each one answers (signed-in-only ones with 401)
        assert api.get(url).status_code in {200, 401}, url


def test_course_list_outline_and_lesson(api, content):
    courses = api.get("/api/v1/courses/").json()
    assert courses["count"] == 1 and courses["results"][0]["lesson_count"] == 43
    outline = api.get("/api/v1/courses/python-backend-engineering/").json()
    assert len(outline["modules"]) == 12 and outline["progress"] is None
    lesson = api.get(LESSON).json()
    assert lesson["title"] == "The GIL, explained" and "<h2" in lesson["body_html"]
    assert "body_md" not in lesson  # Markdown source is for authors


def test_authors_get_the_markdown_source(api, content):
    api.force_authenticate(UserFactory(roles=["author"]))
    assert "What the GIL is" in api.get(LESSON).json()["body_md"]


def test_drafts_and_unknown_things_are_404_with_the_error_shape(api, content):
    from apps.courses.models import Module

    draft = LessonFactory(
        module=Module.objects.get(slug="concurrency"), slug="hidden", status="draft"
    )
    response = api.get(f"/api/v1/lessons/python-backend-engineering/concurrency/{draft.slug}/")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "No such lesson.", "details": {}}
    }
    assert api.get("/api/v1/matrix/nope/").json()["error"]["code"] == "not_found"


def test_search(api, content):
    body = api.get("/api/v1/search/", {"q": "celery retries"}).json()
    assert body["results"] and all("<script" not in r["snippet_html"] for r in body["results"])


def test_matrix_category(api, content):
    body = api.get("/api/v1/matrix/web-frameworks/").json()
    assert [o["slug"] for o in body["options"]] == ["django", "flask", "fastapi"]
    assert body["options"][0]["cells"]["built-in-admin"]["value"] is True
    assert all(set(o["cells"]) == {c["slug"] for c in body["criteria"]} for o in body["options"])


def test_constant_query_counts(api, content, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    for urls in (["/api/v1/matrix/api-styles/", "/api/v1/matrix/databases/"],
                 ["/api/v1/courses/python-backend-engineering/"] * 2):  # fmt: skip
        counts = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert api.get(url).status_code == 200
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1] and counts[0] <= 6, (urls, counts)


def test_token_authentication(api, content):
    user = UserFactory(username="tokenuser", roles=["author"])
    token, key = account_services.api_token_create(user=user, name="laptop")
    assert key.startswith("ba_") and token.key_hash != key
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert "body_md" in api.get(LESSON).json()
    account_services.api_token_revoke(user=user, token_id=token.pk)
    response = api.get(LESSON)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid or revoked token."
    assert response["WWW-Authenticate"] == "Bearer"
    api.credentials(HTTP_AUTHORIZATION="Bearer ba_not-a-real-token")
    assert api.get("/api/v1/").status_code == 401


def test_etag_conditional_get(api, content):
    first = api.get("/api/v1/matrix/web-frameworks/")
    etag = first["ETag"]
    second = api.get("/api/v1/matrix/web-frameworks/", HTTP_IF_NONE_MATCH=etag)
    assert second.status_code == 304


def test_anonymous_throttle(api, monkeypatch):
    from apps.core.api.throttling import AnonThrottle

    monkeypatch.setattr(AnonThrottle, "rate", "3/min", raising=False)
    codes = [api.get("/api/v1/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    body = api.get("/api/v1/").json()
    assert body["error"]["code"] == "throttled" and body["error"]["details"]["retry_after"] > 0


def test_tokens_on_the_profile_page(client):
    user = UserFactory(username="tokenpage")
    client.force_login(user)
    created = client.post("/accounts/profile/", {"action": "create_token", "name": "ci"})
    key = created.context["new_key"]
    assert key.startswith("ba_") and key.encode() in created.content
    again = client.get("/accounts/profile/")
    assert key.encode() not in again.content and key[:10].encode() in again.content  # shown once
    token = user.api_tokens.get()
    other = UserFactory(username="someoneelse")
    client.force_login(other)
    assert (
        client.post("/accounts/profile/", {"action": "revoke_token", "token": token.pk}).status_code
        == 400
    )
    token.refresh_from_db()
    assert token.active
    client.force_login(user)
    client.post("/accounts/profile/", {"action": "revoke_token", "token": token.pk})
    token.refresh_from_db()
    assert not token.active
    assert (
        client.post("/accounts/profile/", {"action": "create_token", "name": ""}).status_code == 400
    )


def test_unrouted_api_addresses_answer_in_the_one_error_shape(api):
    response = api.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": "There is nothing at this address.",
            "details": {},
        }
    }
