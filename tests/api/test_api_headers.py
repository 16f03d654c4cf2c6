"""What API responses say about themselves: cache headers for shared caches, the accepted
authorization schemes, and no server banner.

* Responses to a request carrying credentials are ``Cache-Control: private, no-cache``
  and every API response varies on ``Authorization`` and ``Cookie``, so no shared cache
  serves one learner's attempt to another; ``ETag``/``304`` keeps working.
* ``Authorization: Token …`` (DRF's convention) works like ``Bearer``; any other scheme is
  a 401 naming the expected one, never a silently anonymous request.
* No ``server: uvicorn`` header from the production worker configuration.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from typing import Any

import pytest
from django.test import Client
from django.utils.cache import cc_delim_re

from apps.accounts import services as account_services
from tests.conftest import free_port
from tests.factories import LessonFactory, UserFactory

pytestmark = pytest.mark.django_db

ME = "{ me { username } }"


@pytest.fixture
def learner():
    return UserFactory(username="cachelearner")


@pytest.fixture
def token(learner) -> str:
    _, key = account_services.api_token_create(user=learner, name="t")
    return key


def vary(response: Any) -> set[str]:
    return {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", "")) if v.strip()}


def cache_control(response: Any) -> set[str]:
    return {v.strip() for v in response.get("Cache-Control", "").split(",") if v.strip()}


def assert_private(response: Any) -> None:
    assert {"authorization", "cookie"} <= vary(response), response.get("Vary")
    assert {"private", "no-cache"} <= cache_control(response), response.get("Cache-Control")
    assert "public" not in cache_control(response)


def assert_shared_but_keyed(response: Any) -> None:
    assert {"authorization", "cookie"} <= vary(response), response.get("Vary")
    assert "private" not in cache_control(response)


def gql_get(client: Client, query: str, **extra: Any) -> Any:
    return client.get("/graphql", {"query": query}, HTTP_ACCEPT="application/json", **extra)


def gql_post(client: Client, query: str, **extra: Any) -> Any:
    return client.post(
        "/graphql", json.dumps({"query": query}), content_type="application/json", **extra
    )


# --------------------------------------------------------------------------- caching


def test_rest_token_responses_are_private_and_still_revalidate(token):
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    first = client.get("/api/v1/attempts/", **auth)
    assert first.status_code == 200
    assert_private(first)
    again = client.get("/api/v1/attempts/", HTTP_IF_NONE_MATCH=first["ETag"], **auth)
    assert again.status_code == 304
    assert_private(again)


def test_rest_session_responses_are_private(learner):
    client = Client()
    client.force_login(learner)
    response = client.get("/api/v1/progress/")
    assert response.status_code == 200
    assert_private(response)
    write = client.put(
        "/api/v1/progress/lessons/c/m/l/", '{"completed": true}', content_type="application/json"
    )
    assert write.status_code == 404
    assert_private(write)


def test_rest_anonymous_responses_vary_on_credentials(db):
    LessonFactory()
    client = Client()
    response = client.get("/api/v1/courses/")
    assert response.status_code == 200
    assert_shared_but_keyed(response)
    assert client.get("/api/v1/courses/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_rest_refusals_vary_on_credentials_too(token):
    refused = Client().get("/api/v1/attempts/")
    assert refused.status_code == 401
    assert_shared_but_keyed(refused)
    bad = Client().get("/api/v1/courses/", HTTP_AUTHORIZATION="Bearer ba_nope")
    assert bad.status_code == 401
    assert_private(bad)


def test_graphql_token_responses_are_private_and_still_revalidate(token):
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    posted = gql_post(client, ME, **auth)
    assert posted.json() == {"data": {"me": {"username": "cachelearner"}}}
    assert_private(posted)
    first = gql_get(client, ME, **auth)
    assert first.status_code == 200
    assert_private(first)
    again = gql_get(client, ME, HTTP_IF_NONE_MATCH=first["ETag"], **auth)
    assert again.status_code == 304
    assert_private(again)


def test_graphql_session_responses_are_private(learner):
    client = Client()
    client.force_login(learner)
    response = gql_get(client, ME)
    assert response.json() == {"data": {"me": {"username": "cachelearner"}}}
    assert_private(response)


def test_graphql_anonymous_responses_vary_on_credentials(db):
    for response in (gql_post(Client(), ME), gql_get(Client(), ME)):
        assert response.json() == {"data": {"me": None}}
        assert_shared_but_keyed(response)


def test_pages_are_left_alone(db):
    response = Client().get("/healthz")
    assert "authorization" not in vary(response)


# --------------------------------------------------------------------------- schemes


@pytest.mark.parametrize("scheme", ["Token", "token", "bearer", "BEARER"])
def test_token_and_any_case_work_like_bearer(scheme, token):
    auth = {"HTTP_AUTHORIZATION": f"{scheme} {token}"}
    rest = Client().get("/api/v1/attempts/", **auth)
    assert rest.status_code == 200, rest.content
    graphql = gql_post(Client(), ME, **auth)
    assert graphql.json() == {"data": {"me": {"username": "cachelearner"}}}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Basic dXNlcjpwYXNz", "Unsupported authorization scheme 'Basic': "),
        ("JWT eyJhbGciOi.x.y", "Unsupported authorization scheme 'JWT': "),
        ("Digest username=x, realm=y", "Unsupported authorization scheme 'Digest': "),
        ("ba_no_scheme", ""),  # a bare token: not echoed back
    ],
)
def test_other_schemes_are_401_naming_bearer_never_anonymous(header, message, token):
    message += (
        "send 'Authorization: Bearer <token>'."
        if message
        else ("Send 'Authorization: Bearer <token>'.")
    )
    # /api/v1/courses/ and { me } answer anonymous callers: a silent fallback would be a 200.
    rest = Client().get("/api/v1/courses/", HTTP_AUTHORIZATION=header)
    assert rest.status_code == 401
    assert rest["WWW-Authenticate"] == "Bearer"
    assert rest.json()["error"] == {
        "code": "authentication_failed",
        "message": message,
        "details": {},
    }
    graphql = gql_post(Client(), ME, HTTP_AUTHORIZATION=header)
    assert graphql.status_code == 401
    assert graphql["WWW-Authenticate"] == "Bearer"
    assert graphql.json() == {
        "errors": [{"message": message, "extensions": {"code": "authentication_failed"}}]
    }


def test_an_empty_authorization_header_is_anonymous(db):
    assert gql_post(Client(), ME, HTTP_AUTHORIZATION="").json() == {"data": {"me": None}}
    assert Client().get("/api/v1/courses/", HTTP_AUTHORIZATION="  ").status_code == 200


# --------------------------------------------------------------------------- server banner


def test_the_production_worker_sends_no_server_header(transactional_db):
    """uvicorn with the gunicorn worker's settings (config/workers.py) over real HTTP."""
    import uvicorn

    from config.workers import Worker

    port = free_port()
    config = uvicorn.Config(
        "config.asgi:application",
        host="127.0.0.1",
        port=port,
        log_level="warning",
        **Worker.CONFIG_KWARGS,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
            time.sleep(0.05)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            assert response.status == 200
            assert response.headers.get("Server") is None, response.headers.get("Server")
            assert response.headers.get("Date")  # only the banner goes
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_the_test_server_sends_no_server_header(live_url):
    with urllib.request.urlopen(f"{live_url}/healthz", timeout=10) as response:
        assert response.headers.get("Server") is None
