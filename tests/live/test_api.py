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
from apps.live.models import LivePlayer
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


# --------------------------------------------------------------------------- setting up


def gql(client, query, **variables):
    return client.post("/graphql", {"query": query, "variables": variables}, format="json").json()


SESSION_FIELDS = "id scoring_mode teams { rank id name score players } " + (
    "results { player nickname team team_name extra_percent extra_seconds first_question }"
)


def test_hosts_create_and_set_up_a_session_over_rest(db):
    host = UserFactory()
    quiz = build_quiz()
    api = client_for(host)
    response = api.post(
        "/api/v1/live/sessions/",
        {"quiz": quiz.slug, "seconds_per_question": 30, "scoring_mode": "accuracy"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["scoring_mode"] == "accuracy" and body["seconds_per_question"] == 30
    assert body["teams"] == [] and body["status"] == "lobby"
    pk = body["id"]
    url = f"/api/v1/live/sessions/{pk}/"
    assert (
        api.patch(url, {"scoring_mode": "speed"}, format="json").json()["scoring_mode"] == "speed"
    )
    assert api.patch(url, {"scoring_mode": "fast"}, format="json").status_code == 400
    ada = services.player_join(session_id=pk, user=AnonymousUser(), nickname="Ada").player
    bob = services.player_join(session_id=pk, user=AnonymousUser(), nickname="Bob").player
    body = api.post(f"{url}teams/", {"name": "Owls"}, format="json").json()
    owls = body["teams"][0]["id"]
    assert [t["name"] for t in body["teams"]] == ["Owls"]
    body = api.post(f"{url}teams/shuffle/", {"count": 2}, format="json").json()
    assert sorted(t["players"] for t in body["teams"]) == [1, 1]
    assert {r["team_name"] for r in body["results"]} == {"Owls", "Red"}
    body = api.patch(
        f"{url}players/{ada.pk}/", {"team": owls, "extra_percent": 50}, format="json"
    ).json()
    mine = next(r for r in body["results"] if r["player"] == ada.pk)
    assert (mine["team"], mine["extra_percent"], mine["extra_seconds"]) == (owls, 50, 0)
    body = api.patch(f"{url}players/{ada.pk}/", {"extra_seconds": 10}, format="json").json()
    mine = next(r for r in body["results"] if r["player"] == ada.pk)
    assert (mine["team"], mine["extra_percent"], mine["extra_seconds"]) == (owls, 50, 10)
    # All or nothing: a bad team leaves the extra time as it was.
    refused = api.patch(
        f"{url}players/{ada.pk}/", {"extra_percent": 100, "team": 999999}, format="json"
    )
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_setting"
    assert LivePlayer.objects.get(pk=ada.pk).extra_percent == 50
    body = api.patch(f"{url}players/{bob.pk}/", {"team": None}, format="json").json()
    assert next(r for r in body["results"] if r["player"] == bob.pk)["team"] is None
    red = next(t["id"] for t in body["teams"] if t["name"] == "Red")
    assert [t["name"] for t in api.delete(f"{url}teams/{red}/").json()["teams"]] == ["Owls"]
    services.host_action(session_id=pk, user=host, action="start")
    late = api.post(f"{url}teams/", {"name": "Late"}, format="json")
    assert late.status_code == 409 and late.json()["error"]["code"] == "invalid_state"
    assert api.delete(f"{url}teams/").status_code == 409
    assert api.patch(url, {"scoring_mode": "accuracy"}, format="json").status_code == 409


def test_only_the_host_sets_a_session_up_over_the_apis(db):
    host, other = UserFactory(), UserFactory()
    quiz = build_quiz()
    session = services.session_create(host=host, quiz_slug=quiz.slug)
    ada = services.player_join(session_id=session.pk, user=AnonymousUser(), nickname="Ada").player
    url = f"/api/v1/live/sessions/{session.pk}/"
    stranger = client_for(other)
    for method, path, data in (
        ("patch", url, {"scoring_mode": "accuracy"}),
        ("post", f"{url}teams/", {"name": "Owls"}),
        ("post", f"{url}teams/shuffle/", {"count": 2}),
        ("patch", f"{url}players/{ada.pk}/", {"extra_percent": 50}),
        ("delete", f"{url}teams/", None),
    ):
        response = getattr(stranger, method)(path, data, format="json")
        assert response.status_code == 404, (path, response.status_code)
        assert getattr(APIClient(), method)(path, data, format="json").status_code == 401
    body = gql(
        stranger,
        'mutation($s: Int!) { live_team_create(session: $s, name: "Owls") { session { id } } }',
        s=session.pk,
    )
    assert body["errors"][0]["extensions"]["code"] == "not_found"
    # Platform staff set sessions up from the admin (test_pages); over the APIs, as for
    # reading, someone else's session is not found.
    staff = client_for(UserFactory(is_staff=True))
    response = staff.patch(f"{url}players/{ada.pk}/", {"extra_seconds": 15}, format="json")
    assert response.status_code == 404
    assert LivePlayer.objects.get(pk=ada.pk).extra_seconds == 0


def test_hosts_create_and_set_up_a_session_over_graphql(db):
    host = UserFactory()
    quiz = build_quiz()
    api = client_for(host)
    body = gql(
        api,
        'mutation($q: String!) { live_session_create(quiz: $q, scoring_mode: "accuracy") '
        f"{{ session {{ {SESSION_FIELDS} }} }} }}",
        q=quiz.slug,
    )
    session = body["data"]["live_session_create"]["session"]
    assert session["scoring_mode"] == "accuracy" and session["teams"] == []
    pk = session["id"]
    ada = services.player_join(session_id=pk, user=AnonymousUser(), nickname="Ada").player
    services.player_join(session_id=pk, user=AnonymousUser(), nickname="Bob")
    body = gql(
        api,
        "mutation($s: Int!) { live_teams_shuffle(session: $s, count: 2) "
        f"{{ session {{ {SESSION_FIELDS} }} }} }}",
        s=pk,
    )
    teams = body["data"]["live_teams_shuffle"]["session"]["teams"]
    assert [t["name"] for t in teams] == ["Red", "Blue"] and [t["players"] for t in teams] == [1, 1]
    body = gql(
        api,
        "mutation($s: Int!, $p: Int!) { live_player_update(session: $s, player: $p, "
        f"no_team: true, extra_seconds: 20) {{ session {{ {SESSION_FIELDS} }} }} }}",
        s=pk,
        p=ada.pk,
    )
    row = next(
        r for r in body["data"]["live_player_update"]["session"]["results"] if r["player"] == ada.pk
    )
    assert row["team"] is None and row["extra_seconds"] == 20 and row["first_question"] == 1
    body = gql(
        api,
        'mutation($s: Int!) { live_team_create(session: $s, name: "Red") { session { id } } }',
        s=pk,
    )
    assert body["errors"][0]["extensions"]["code"] == "invalid_setting"
    for mutation in (
        'live_session_update(session: $s, scoring_mode: "speed")',
        'live_team_create(session: $s, name: "Owls")',
        "live_teams_clear(session: $s)",
    ):
        fields = "session { id scoring_mode teams { name } }"
        body = gql(api, f"mutation($s: Int!) {{ {mutation} {{ {fields} }} }}", s=pk)
        assert "errors" not in body, body
    assert body["data"]["live_teams_clear"]["session"]["teams"] == []
    team = services.team_create(session_id=pk, user=host, name="Owls")
    body = gql(
        api,
        "mutation($s: Int!, $t: Int!) { live_team_delete(session: $s, team: $t) "
        "{ session { teams { name } } } }",
        s=pk,
        t=team.pk,
    )
    assert body["data"]["live_team_delete"]["session"]["teams"] == []
    anonymous = gql(
        APIClient(),
        "mutation($s: Int!) { live_teams_clear(session: $s) { session { id } } }",
        s=pk,
    )
    assert anonymous["errors"][0]["extensions"]["code"] == "not_authenticated"


def test_session_detail_with_teams_takes_constant_queries(db):
    host = UserFactory()
    quiz = build_quiz()
    api = client_for(host)
    api.get("/api/v1/live/sessions/")  # the token's first use is recorded once
    counts = []
    for size in (2, 8):
        session = services.session_create(host=host, quiz_slug=quiz.slug)
        for n in range(size):
            services.player_join(session_id=session.pk, user=AnonymousUser(), nickname=f"P {n}")
        services.teams_shuffle(session_id=session.pk, user=host, count=2)
        with CaptureQueriesContext(connection) as rest:
            assert api.get(f"/api/v1/live/sessions/{session.pk}/").status_code == 200
        with CaptureQueriesContext(connection) as graph:
            gql(api, f"{{ live_session(id: {session.pk}) {{ {SESSION_FIELDS} }} }}")
        counts.append((len(rest), len(graph)))
    assert counts[0] == counts[1], counts
