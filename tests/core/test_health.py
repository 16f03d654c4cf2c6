from __future__ import annotations

import pytest
from django.core.cache import cache

from apps.core import health

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_services(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_reports_every_component(client, settings):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "cache", "channel_layer", "broker"}
    for name, check in body["checks"].items():
        assert check["status"] == "ok", name
        assert check["latency_ms"] >= 0
    expected_mode = "services" if settings.SERVICES_MODE else "embedded"
    assert body["mode"] == expected_mode


def test_readyz_is_503_when_the_cache_is_down(client, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr(cache, "set", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["cache"]["status"] == "down"
    assert body["checks"]["database"]["status"] == "ok"
    assert "error" not in body["checks"]["cache"]  # details only for staff or DEBUG


def test_readyz_shows_error_detail_to_staff(client, monkeypatch, django_user_model):
    staff = django_user_model.objects.create_user("ops", password="x", is_staff=True)
    client.force_login(staff)
    monkeypatch.setattr(
        health,
        "check_channel_layer",
        lambda: health.CheckResult("channel_layer", False, "X", 1.0, "TimeoutError"),
    )
    body = client.get("/readyz").json()
    assert body["checks"]["channel_layer"] == {
        "status": "down",
        "backend": "X",
        "latency_ms": 1.0,
        "error": "TimeoutError",
    }


def test_database_check_fails_when_the_database_fails(monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    result = health.check_database()
    assert not result.ok
    assert result.error == "OSError"


@pytest.mark.services
def test_broker_check_talks_to_redis():
    result = health.check_broker()
    assert result.ok
    assert result.backend == "redis"


@pytest.mark.services
def test_broker_check_reports_an_unreachable_broker(settings):
    from config.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        result = health.check_broker()
    finally:
        app.conf.broker_url = original
    assert not result.ok


def test_readiness_result_is_reused_briefly(settings, monkeypatch):
    calls = []
    monkeypatch.setattr(
        health,
        "check_database",
        lambda: calls.append(1) or health.CheckResult("database", True, "x", 0),
    )
    monkeypatch.setattr(health, "_last_report", None)
    settings.READINESS_CACHE_SECONDS = 60
    health.readiness_report()
    health.readiness_report()
    assert len(calls) == 1
    settings.READINESS_CACHE_SECONDS = 0
    health.readiness_report()
    assert len(calls) == 2


def test_favicon_points_at_the_logo(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/logo.svg")
