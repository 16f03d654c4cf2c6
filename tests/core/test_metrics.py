"""Prometheus metrics (apps/core/metrics.py): the protected /metrics endpoint, what the
request path, the live sockets, code runs, rate limits and Celery tasks count."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from prometheus_client import REGISTRY

from apps.core import metrics, ratelimit
from tests.factories import UserFactory

TOKEN = "metrics-test-token-0123456789"


def value(name: str, **labels: str) -> float:
    metrics.flush()
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


# --------------------------------------------------------------------------- /metrics


@pytest.mark.django_db
def test_metrics_do_not_exist_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("header", [None, "Bearer wrong-token-0123456789", f"Basic {TOKEN}", TOKEN])
def test_metrics_refuse_a_missing_or_wrong_token(client, token, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/metrics", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"academy_" not in response.content


@pytest.mark.django_db
def test_metrics_with_the_token_list_every_family(client, token):
    client.get("/healthz")
    # A scrape by the pod's address: the host check does not apply to /metrics.
    response = client.get(
        "/metrics", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="10.1.2.3:8000"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    for family in (
        "academy_http_request_duration_seconds",
        "academy_http_responses_total",
        "academy_http_request_sql_queries",
        "academy_page_cache_requests_total",
        "academy_rate_limit_exceeded_total",
        "academy_live_connected_players",
        "academy_live_rooms",
        "academy_live_answer_ack_seconds",
        "academy_live_broadcast_lag_seconds",
        "academy_exercise_queue_wait_seconds",
        "academy_exercise_run_duration_seconds",
        "academy_exercise_runs_total",
        "academy_exercise_runs_in_flight",
        "academy_exercise_sandbox_refusals_total",
        "academy_celery_task_duration_seconds",
        "academy_celery_task_failures_total",
        "academy_readiness_check_up",
    ):
        assert f"# TYPE {family} " in body, family
    assert 'academy_readiness_check_up{check="database"} 1.0' in body
    assert 'academy_exercise_runs_in_flight{status="queued"} 0.0' in body


# ---------------------------------------------------------------------- the request path


@pytest.mark.django_db
def test_requests_are_timed_by_route_name_not_path(client):
    from tests.factories import CourseFactory

    slug = f"metrics-{uuid.uuid4().hex[:8]}"
    CourseFactory(slug=slug)
    name = "academy_http_request_duration_seconds_count"
    before = value(name, route="courses:course", method="GET")
    for _ in range(3):
        assert client.get(f"/courses/{slug}/").status_code == 200
    assert client.get("/courses/no-such-course/").status_code == 404
    assert value(name, route="courses:course", method="GET") == before + 4
    responses = "academy_http_responses_total"
    assert value(responses, route="courses:course", method="GET", status="4xx") >= 1
    assert value(responses, route="courses:course", method="GET", status="2xx") >= 3
    exposition = metrics.exposition().decode()
    assert slug not in exposition and "no-such-course" not in exposition
    client.get(f"/no/such/page/{slug}")
    assert slug not in metrics.exposition().decode()
    assert value(name, route="<unmatched>", method="GET") >= 1


@pytest.mark.django_db
def test_sql_queries_per_request_are_observed(client):
    from tests.factories import CourseFactory

    course = CourseFactory()
    name = "academy_http_request_sql_queries"
    count, total = (
        value(f"{name}_count", route="courses:course"),
        value(f"{name}_sum", route="courses:course"),
    )
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/courses/{course.slug}/").status_code == 200
    assert len(queries) > 0
    assert value(f"{name}_count", route="courses:course") == count + 1
    assert value(f"{name}_sum", route="courses:course") == total + len(queries)


@pytest.mark.django_db
def test_metrics_off_counts_nothing(client, settings):
    from django.test import Client

    settings.METRICS_ENABLED = False
    name = "academy_http_request_duration_seconds_count"
    before = value(name, route="core:healthz", method="GET")
    Client().get("/healthz")  # a new client loads the middleware with the setting
    assert value(name, route="core:healthz", method="GET") == before


# --------------------------------------------------------------------------- rate limits


@pytest.mark.django_db
def test_rate_limit_refusals_are_counted_by_scope():
    limit = ratelimit.Limit(f"metrics-test-{uuid.uuid4().hex[:6]}", 2, 60)
    name = "academy_rate_limit_exceeded_total"
    for _ in range(2):
        assert ratelimit.hit(limit, "someone").allowed
    assert value(name, scope=limit.scope) == 0
    assert not ratelimit.hit(limit, "someone").allowed
    assert not ratelimit.peek(limit, "someone").allowed
    assert value(name, scope=limit.scope) == 2


@pytest.mark.django_db
def test_api_throttle_rejections_are_counted(client, monkeypatch):
    from apps.core.api.throttling import AnonThrottle

    monkeypatch.setattr(AnonThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "600/min"})
    name = "academy_rate_limit_exceeded_total"
    before = value(name, scope="api-anon")
    address = f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    statuses = [client.get("/api/v1/", REMOTE_ADDR=address).status_code for _ in range(3)]
    assert statuses[-1] == 429
    assert value(name, scope="api-anon") == before + 1


# ------------------------------------------------------------------------------- Celery


def test_celery_task_durations_and_failures_are_observed():
    from config.celery import app

    @app.task(name="tests.metrics.ok", shared=False)
    def ok() -> int:
        return 1

    @app.task(name="tests.metrics.broken", shared=False)
    def broken() -> None:
        raise RuntimeError("boom")

    name = "academy_celery_task_duration_seconds_count"
    assert ok.apply().get() == 1
    # As a worker runs it: the error is stored, not raised into the caller (inline runs
    # in embedded mode raise before Celery sends any signal: the request's 5xx counts it).
    assert isinstance(broken.apply(throw=False).result, RuntimeError)
    assert value(name, task="tests.metrics.ok", outcome="success") == 1
    assert value(name, task="tests.metrics.broken", outcome="failure") == 1
    assert value("academy_celery_task_failures_total", task="tests.metrics.broken") == 1


# ---------------------------------------------------------------------------- exercises


@pytest.mark.django_db
def test_code_runs_are_counted_timed_and_refusals_seen(monkeypatch):
    from apps.exercises import services
    from tests.exercises.conftest import SOLUTION, FakeSandbox, make_exercise, record_in_process

    monkeypatch.setattr(services, "run_dispatch", lambda run_id: None)
    from apps.exercises import grading

    monkeypatch.setattr(grading, "phase_runner", FakeSandbox())
    exercise = make_exercise()
    record_in_process(exercise)

    def run_once(n: int) -> str:
        with TestCase.captureOnCommitCallbacks(execute=True):
            run = services.run_create(
                user=UserFactory(), exercise_slug=exercise.slug, code=SOLUTION, mode="run",
                key=f"metrics-{n:08d}",
            )  # fmt: skip
        with TestCase.captureOnCommitCallbacks(execute=True):
            return services.run_execute(run_id=run.pk).status

    waits = value("academy_exercise_queue_wait_seconds_count")
    passed = value("academy_exercise_runs_total", status="passed")
    refused = value("academy_exercise_sandbox_refusals_total")
    durations = value("academy_exercise_run_duration_seconds_count", status="passed")
    assert run_once(1) == "passed"
    # Its expected values out of date: the run is refused without reaching the sandbox.
    type(exercise).objects.filter(pk=exercise.pk).update(test_visible=exercise.test_visible + "\n")
    assert run_once(2) == "refused"
    assert value("academy_exercise_queue_wait_seconds_count") == waits + 2
    assert value("academy_exercise_runs_total", status="passed") == passed + 1
    assert value("academy_exercise_run_duration_seconds_count", status="passed") == durations + 1
    assert value("academy_exercise_sandbox_refusals_total") == refused + 1


# --------------------------------------------------------------------------------- live


@pytest.mark.django_db(transaction=True)
def test_a_live_answer_and_broadcast_are_observed_and_players_counted():
    from apps.live import services
    from tests.live.test_consumers import (
        cookie_for_player,
        cookie_for_user,
        event,
        join,
        receive_until,
        run,
        socket,
        subscribed,
    )
    from tests.quizzes.conftest import build_quiz, ids

    quiz = build_quiz()
    host_user = UserFactory(username="metricshost")
    session = services.session_create(host=host_user, quiz_slug=quiz.slug, seconds_per_question=20)
    game = {"session": session}
    ada = join(game, "Ada")
    code, q = session.code, ids(quiz)
    acks = value("academy_live_answer_ack_seconds_count")
    lags = value("academy_live_broadcast_lag_seconds_count")
    players = value("academy_live_connected_players")

    async def scenario() -> None:
        host = socket(code, "host", await sync_to_async(cookie_for_user)(host_user))
        player = socket(code, "play", await sync_to_async(cookie_for_player)(code, ada))
        for ws in (host, player):
            assert (await ws.connect())[0]
        await subscribed(host, player)
        assert value("academy_live_connected_players") == players + 1
        await host.send_json_to({"type": "start"})
        await receive_until(player, event("question"))
        await player.send_json_to(
            {"type": "answer", "index": 0, "key": str(uuid.uuid4()),
             "response": {"choice": q["single"][1]["Right"]}}
        )  # fmt: skip
        await receive_until(player, lambda f: f["type"] == "ack")
        for ws in (host, player):
            await ws.disconnect()

    run(scenario)
    assert value("academy_live_answer_ack_seconds_count") == acks + 1
    assert 0 < value("academy_live_answer_ack_seconds_sum") < 60
    assert value("academy_live_broadcast_lag_seconds_count") >= lags + 1  # the question
    assert value("academy_live_connected_players") == players
    exposition = metrics.exposition().decode()
    assert code not in exposition and "Ada" not in exposition  # no per-room/player labels


def test_buffered_observations_reach_the_histogram_on_flush():
    before = value("academy_live_answer_ack_seconds_count")
    metrics.answer_ack.observe(0.05)
    metrics.answer_ack.observe(0.3)
    assert len(metrics.answer_ack.pending) in {0, 1, 2}  # the flusher may have run
    assert value("academy_live_answer_ack_seconds_count") == before + 2
    assert value("academy_live_answer_ack_seconds_bucket", le="0.2") >= 1
