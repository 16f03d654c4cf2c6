"""REST and GraphQL for exercises and runs: what is sent (never the reference or the
hidden tests), run creation (202, 409, 429, 400, idempotency), ownership, the same
fields on both APIs, and constant query counts on lists."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.exercises.models import Run
from tests.exercises.conftest import SOLUTION, WRONG, make_exercise
from tests.factories import LessonFactory, ModuleFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRETS = ("REFERENCE-SOLUTION", "SECRET-EXPECTATION", "test_adds_big_numbers", "solution_code",
           "100000000000000000001", "expected_json", "0.75", "add(zero, zero)")  # fmt: skip


def client_for(user) -> APIClient:
    """Signed in as an API client is, with a personal token (REST and GraphQL alike)."""
    _, key = account_services.api_token_create(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def learner():
    return client_for(UserFactory(username="coder"))


@pytest.fixture(autouse=True)
def _no_execution(dispatched):
    """Runs are recorded, not executed: these tests are about the API."""


def gql(client, query, variables=None):
    response = client.post("/graphql", {"query": query, "variables": variables or {}},
                           format="json")  # fmt: skip
    assert response.status_code == 200, response.content
    return response.json()


def test_list_and_detail_never_send_the_reference_or_hidden_tests(exercise, learner):
    anonymous = APIClient()
    listed = anonymous.get("/api/v1/exercises/").json()
    assert listed["count"] == 1
    row = listed["results"][0]
    assert row["slug"] == exercise.slug and row["progress"] is None
    assert (row["visible_test_count"], row["hidden_test_count"]) == (2, 3)
    detail = learner.get(f"/api/v1/exercises/{exercise.slug}/")
    body = detail.content.decode()
    assert detail.status_code == 200
    assert detail.json()["test_visible"].startswith("from solution import add")
    assert "<script" not in detail.json()["prompt_html"]
    for secret in SECRETS:
        assert secret not in body and secret not in str(listed)
    graph = gql(learner, f'{{ exercise(slug: "{exercise.slug}") {{ prompt_html starter_code '
                         "test_visible progress visible_checks { test checks { check expected } } "
                         "} }")  # fmt: skip
    assert "add(-1, -2)" in str(graph) and "add(-1, -2)" in body  # the visible ones are there
    assert graph["data"]["exercise"]["progress"] == "new"
    for secret in SECRETS:
        assert secret not in str(graph)


def test_drafts_are_invisible(exercise, learner):
    exercise.status = "draft"
    exercise.save()
    assert learner.get("/api/v1/exercises/").json()["count"] == 0
    assert learner.get(f"/api/v1/exercises/{exercise.slug}/").status_code == 404
    response = learner.post(f"/api/v1/exercises/{exercise.slug}/runs/",
                            {"code": "x", "mode": "run"}, format="json")  # fmt: skip
    assert response.status_code == 404


def test_filters(exercise, learner):
    other = make_exercise(slug="harder", difficulty="hard")
    module = exercise.lesson.module.slug
    assert [r["slug"] for r in learner.get(f"/api/v1/exercises/?module={module}").json()
            ["results"]] == [exercise.slug]  # fmt: skip
    hard = learner.get("/api/v1/exercises/?difficulty=hard").json()["results"]
    assert [r["slug"] for r in hard] == [other.slug]
    bad = learner.get("/api/v1/exercises/?difficulty=extreme")
    assert bad.status_code == 400 and "difficulty" in bad.json()["error"]["details"]
    graph = gql(learner, '{ exercises(difficulty: "hard") { count results { slug } } }')
    assert graph["data"]["exercises"] == {"count": 1, "results": [{"slug": other.slug}]}
    wrong = gql(learner, '{ exercises(difficulty: "extreme") { count } }')
    assert wrong["errors"][0]["extensions"]["code"] == "invalid"


def test_creating_a_run(exercise, learner, dispatched, django_capture_on_commit_callbacks):
    url = f"/api/v1/exercises/{exercise.slug}/runs/"
    with django_capture_on_commit_callbacks(execute=True):
        created = learner.post(url, {"code": SOLUTION, "mode": "submit",
                                     "key": "k-0000000001"}, format="json")  # fmt: skip
    assert created.status_code == 202
    run = created.json()
    assert (run["status"], run["mode"], run["total"], run["tests"]) == ("queued", "submit", 5, [])
    assert dispatched == [run["id"]]
    again = learner.post(url, {"code": SOLUTION, "mode": "submit",
                               "key": "k-0000000001"}, format="json")  # fmt: skip
    assert again.status_code == 202 and again.json()["id"] == run["id"]
    busy = learner.post(url, {"code": SOLUTION, "mode": "run"}, format="json")
    assert busy.status_code == 409
    assert busy.json()["error"]["code"] == "run_in_progress"
    assert "already in progress" in busy.json()["error"]["message"]
    assert busy.json()["error"]["details"] == {"run": run["id"]}
    reused = learner.post(url, {"code": WRONG, "mode": "submit",
                                "key": "k-0000000001"}, format="json")  # fmt: skip
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "idempotency_key_reused"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"mode": "run"}, "code"),
        ({"code": "x", "mode": "debug"}, "mode"),
        ({"code": "x", "mode": "run", "key": "no"}, "key"),
        ({"code": "x" * (64 * 1024 + 1), "mode": "run"}, "code"),
    ],
)
def test_bad_run_requests(exercise, learner, body, field):
    response = learner.post(f"/api/v1/exercises/{exercise.slug}/runs/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert not Run.objects.exists()


def test_code_over_64_kb_in_bytes_is_refused_by_the_service(exercise, learner):
    code = "é" * (32 * 1024 + 1)  # fewer than 64 K characters, more than 64 KB
    response = learner.post(f"/api/v1/exercises/{exercise.slug}/runs/",
                            {"code": code, "mode": "run"}, format="json")  # fmt: skip
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "code_too_large"


def test_runs_are_rate_limited_with_retry_after(exercise, learner, settings):
    settings.EXERCISES_RUN_LIMIT = 2
    url = f"/api/v1/exercises/{exercise.slug}/runs/"
    for _ in range(2):
        assert learner.post(url, {"code": "x", "mode": "run"}, format="json").status_code == 202
        Run.objects.update(status="failed")
    limited = learner.post(url, {"code": "x", "mode": "run"}, format="json")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "throttled"
    assert int(limited["Retry-After"]) > 0
    graph = gql(learner, f'mutation {{ run_create(exercise: "{exercise.slug}", code: "x", '
                         'mode: "run") { run { id } } }')  # fmt: skip
    assert graph["errors"][0]["extensions"]["code"] == "rate_limited"


def test_runs_belong_to_their_owner(exercise, learner):
    url = f"/api/v1/exercises/{exercise.slug}/runs/"
    run_id = learner.post(url, {"code": SOLUTION, "mode": "run"}, format="json").json()["id"]
    mine = learner.get(f"/api/v1/runs/{run_id}/")
    assert mine.status_code == 200 and mine.json()["code"] == SOLUTION
    listed = learner.get("/api/v1/runs/").json()
    assert [r["id"] for r in listed["results"]] == [run_id]
    assert "code" not in listed["results"][0] and "tests" not in listed["results"][0]
    other = client_for(UserFactory(username="someone-else"))
    assert other.get(f"/api/v1/runs/{run_id}/").status_code == 404
    assert other.get("/api/v1/runs/").json()["count"] == 0
    assert APIClient().get(f"/api/v1/runs/{run_id}/").status_code == 401
    assert gql(other, f"{{ run(id: {run_id}) {{ id }} }}")["errors"][0]["extensions"][
        "code"] == "not_found"  # fmt: skip


def test_rest_and_graphql_agree(exercise, learner):
    run = learner.post(f"/api/v1/exercises/{exercise.slug}/runs/",
                       {"code": SOLUTION, "mode": "run", "key": "parity-key-1"},
                       format="json").json()  # fmt: skip
    graph = gql(
        learner,
        'mutation($code: String!) { run_create(exercise: $slug, code: $code, mode: "run", '
        'key: "parity-key-1") { run { id status mode total } } }'.replace(
            "$slug", f'"{exercise.slug}"'
        ),
        {"code": SOLUTION},
    )
    assert graph["data"]["run_create"]["run"] == {
        "id": run["id"], "status": "queued", "mode": "run", "total": 2
    }  # fmt: skip
    rest_exercise = learner.get(f"/api/v1/exercises/{exercise.slug}/").json()
    fields = " ".join(k for k in rest_exercise if k != "visible_checks")
    fields += " visible_checks { test checks { check expected } }"
    graph_exercise = gql(learner, f'{{ exercise(slug: "{exercise.slug}") {{ {fields} }} }}')
    assert graph_exercise["data"]["exercise"] == rest_exercise
    assert rest_exercise["visible_checks"] == [
        {"test": "test_adds_small_numbers", "checks": [{"check": "add(1, 2)", "expected": "3"}]},
        {"test": "test_adds_negatives", "checks": [{"check": "add(-1, -2)", "expected": "-3"}]},
    ]
    rest_run = learner.get(f"/api/v1/runs/{run['id']}/").json()
    fields = " ".join(k for k in rest_run if k != "tests") + " tests { name }"
    graph_run = gql(learner, f"{{ run(id: {run['id']}) {{ {fields} }} }}")["data"]["run"]
    for name in ("queued_at", "started_at", "finished_at"):
        rest_run.pop(name), graph_run.pop(name)
    assert graph_run == rest_run
    assert set(gql(learner, "{ runs { count results { id } } }")["data"]["runs"]["results"][0]) \
        == {"id"}  # fmt: skip


def test_lists_run_a_constant_number_of_queries(learner):
    user = UserFactory(username="busy")
    client = client_for(user)
    client.get("/api/v1/")  # the token's first use is recorded once
    counts: dict[str, list[int]] = {}
    for size in (1, 12):
        for n in range(size):
            module = ModuleFactory()
            exercise = make_exercise(LessonFactory(module=module))
            Run.objects.create(user=user, exercise=exercise, mode="submit", key=f"key-{size}-{n}",
                               code="", status="passed", queued_at="2026-01-01T00:00Z")  # fmt: skip
        for name, request in {
            "rest exercises": lambda: client.get("/api/v1/exercises/"),
            "rest runs": lambda: client.get("/api/v1/runs/"),
            "graphql exercises": lambda: gql(
                client, "{ exercises { count results { slug progress module } } }"
            ),
            "graphql runs": lambda: gql(client, "{ runs { count results { id exercise } } }"),
        }.items():
            with CaptureQueriesContext(connection) as ctx:
                request()
            counts.setdefault(name, []).append(len(ctx))
    for name, (small, large) in counts.items():
        assert small == large, (name, counts)
        assert large <= 6, (name, counts)
    solved = client.get("/api/v1/exercises/").json()["results"]
    assert {r["progress"] for r in solved} == {"solved"}


def test_graphql_carries_as_much_code_as_rest(exercise, learner):
    from apps.exercises.models import MAX_CODE_BYTES

    code = "# " + "é" * ((MAX_CODE_BYTES - 3) // 2) + "\n"  # 2-byte characters: JSON grows
    code += "#" * (MAX_CODE_BYTES - len(code.encode()))
    assert len(code.encode()) == MAX_CODE_BYTES
    create = (
        f'mutation($code: String!) {{ run_create(exercise: "{exercise.slug}", code: $code, '
        'mode: "run") { run { id status } } }'
    )
    graph = gql(learner, create, {"code": code})
    assert graph["data"]["run_create"]["run"]["status"] == "queued", graph
    Run.objects.update(status="failed")
    refused = gql(learner, create, {"code": code + "#"})
    # The service's own refusal, not the body cap's.
    assert "limited to 64 KB" in refused["errors"][0]["message"]
