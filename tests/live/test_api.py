"""Live session history on REST and GraphQL: hosts see their sessions, players their own
results; nobody sees anyone else's. Constant query counts."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.live import services
from tests.factories import UserFactory
from tests.quizzes.conftest import build_quiz, ids

pytestmark = pytest.mark.django_db
RESULTS = "results { rank nickname score }"


def client_for(user) -> APIClient:
    client = APIClient()
    _, key = account_services.api_token_create(user=user, name="live")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def play(host, players: list, quiz=None):
    quiz = quiz or build_quiz()
    q = ids(quiz)
    session = services.session_create(host=host, quiz_slug=quiz.slug)
    joined = [
        services.player_join(
            session_id=session.pk, user=p, nickname=None if p.is_authenticated else f"Guest {n}"
        )
        for n, p in enumerate(players)
    ]
    services.host_action(session_id=session.pk, user=host, action="start")
    for n, j in enumerate(joined):
        choice = q["single"][1]["Right" if n % 2 == 0 else "Wrong"]
        services.answer_submit(
            session_id=session.pk, player_id=j.player.pk, index=0,
            response={"choice": choice}, key=f"k-{session.pk}-{n}-0000",
        )  # fmt: skip
    services.host_action(session_id=session.pk, user=host, action="end")
    return session


def test_hosts_see_their_sessions_and_results(db):
    host, ada, bob = UserFactory(), UserFactory(display_name="Ada"), UserFactory(display_name="Bob")
    session = play(host, [ada, bob, AnonymousUser()])
    api = client_for(host)
    listing = api.get("/api/v1/live/sessions/").json()
    assert listing["count"] == 1 and listing["results"][0]["players"] == 3
    assert listing["results"][0]["status"] == "ended"
    detail = api.get(f"/api/v1/live/sessions/{session.pk}/").json()
    assert [r["rank"] for r in detail["results"]] == [1, 2, 3]
    assert detail["results"][0]["nickname"] in {"Ada", "Guest 2"}
    assert {r["guest"] for r in detail["results"]} == {True, False}
    graph = api.post(
        "/graphql",
        {"query": f"{{ live_session(id: {session.pk}) {{ code players {RESULTS} }} }}"},
        format="json",
    ).json()["data"]["live_session"]
    assert graph["code"] == detail["code"]
    assert graph["results"] == [
        {k: r[k] for k in ("rank", "nickname", "score")} for r in detail["results"]
    ]


def test_players_see_only_their_own_results(db):
    host, ada, bob = UserFactory(), UserFactory(display_name="Ada"), UserFactory(display_name="Bob")
    session = play(host, [ada, bob])
    other = play(host, [bob])
    mine = client_for(ada).get("/api/v1/live/results/").json()["results"]
    assert [(r["session"], r["nickname"], r["rank"]) for r in mine] == [(session.pk, "Ada", 1)]
    bobs = client_for(bob).get("/api/v1/live/results/").json()["results"]
    assert [(r["session"], r["rank"]) for r in bobs] == [(other.pk, 1), (session.pk, 2)]
    graph = (
        client_for(bob)
        .post("/graphql", {"query": "{ live_results { session rank score } }"}, format="json")
        .json()["data"]["live_results"]
    )
    assert [(r["session"], r["rank"]) for r in graph] == [(other.pk, 1), (session.pk, 2)]
    # A player is not the host: the host's views of the session are "not found".
    assert client_for(ada).get(f"/api/v1/live/sessions/{session.pk}/").status_code == 404
    assert client_for(ada).get("/api/v1/live/sessions/").json()["count"] == 0
    body = (
        client_for(ada)
        .post(
            "/graphql", {"query": f"{{ live_session(id: {session.pk}) {{ code }} }}"}, format="json"
        )
        .json()
    )
    assert body["errors"][0]["extensions"]["code"] == "not_found"


def test_anonymous_gets_401_and_not_authenticated(db):
    for url in ("/api/v1/live/sessions/", "/api/v1/live/results/", "/api/v1/live/sessions/1/"):
        assert APIClient().get(url).status_code == 401
    body = (
        APIClient().post("/graphql", {"query": "{ live_results { rank } }"}, format="json").json()
    )
    assert body["errors"][0]["extensions"]["code"] == "not_authenticated"


def test_constant_query_counts(db):
    host = UserFactory()
    players = [UserFactory() for _ in range(6)]
    quiz = build_quiz()
    small = play(host, players[:1], quiz)
    play(host, players[:1], quiz)
    counts = []
    for session in (small, play(host, players, quiz)):
        api = client_for(players[0])
        host_api = client_for(host)
        with CaptureQueriesContext(connection) as a:
            host_api.get(f"/api/v1/live/sessions/{session.pk}/")
        with CaptureQueriesContext(connection) as b:
            api.get("/api/v1/live/results/")
        with CaptureQueriesContext(connection) as c:
            host_api.get("/api/v1/live/sessions/")
        counts.append((len(a), len(b), len(c)))
    assert counts[0] == counts[1], counts
