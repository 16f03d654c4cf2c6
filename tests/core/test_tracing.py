"""OpenTelemetry traces (apps/core/tracing.py): off by default, instrumenting Django,
psycopg, Redis and Celery with OTEL_ENABLED, and the trace id on every log line."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from apps.core import logging as core_logging
from apps.core import tracing
from apps.core.logging import JsonFormatter, RequestIdFilter
from config.env import ConfigurationError

ROOT = Path(__file__).resolve().parents[2]


def test_tracing_is_off_by_default(settings):
    assert settings.OTEL_ENABLED is False
    assert tracing.setup() is None
    assert core_logging.trace_ids is None
    record = logging.LogRecord("apps.test", logging.INFO, __file__, 1, "hello", None, None)
    RequestIdFilter().filter(record)
    assert "trace_id" not in json.loads(JsonFormatter().format(record))


def test_json_lines_carry_the_current_trace_and_span_ids(monkeypatch):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(core_logging, "trace_ids", tracing._current_ids)
    with provider.get_tracer("test").start_as_current_span("work"):
        record = logging.LogRecord("apps.test", logging.INFO, __file__, 1, "inside", None, None)
        RequestIdFilter().filter(record)
        inside = json.loads(JsonFormatter().format(record))
    outside = logging.LogRecord("apps.test", logging.INFO, __file__, 1, "outside", None, None)
    (span,) = exporter.get_finished_spans()
    assert inside["trace_id"] == format(span.context.trace_id, "032x")
    assert inside["span_id"] == format(span.context.span_id, "016x")
    assert json.loads(JsonFormatter().format(outside))["trace_id"] == "-"


def test_turning_tracing_on_without_the_packages_stops_with_a_message(settings, monkeypatch):
    settings.OTEL_ENABLED = True
    monkeypatch.setattr(tracing, "_provider", None)
    monkeypatch.setitem(sys.modules, "opentelemetry.sdk.trace", None)  # "not installed"
    with pytest.raises(ConfigurationError, match="OTEL_ENABLED"):
        tracing.setup()


SCRIPT = """
import json, django
django.setup()
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

exporter = InMemorySpanExporter()
trace.get_tracer_provider().add_span_processor(SimpleSpanProcessor(exporter))

from django.conf import settings
from django.test import Client
from config.celery import app

Client().get("/healthz", HTTP_X_REQUEST_ID="traced-request-01")
def probe():
    return 1


app.task(name="tests.tracing.probe", shared=False)(probe).apply()
if settings.SERVICES_MODE:
    from django.core.cache import cache
    from django.db import connection

    with trace.get_tracer("probe").start_as_current_span("probe"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        cache.set("tracing-probe", 1, 5)
print("SPANS " + json.dumps([
    {"name": s.name, "scope": s.instrumentation_scope.name,
     "trace_id": format(s.context.trace_id, "032x")}
    for s in exporter.get_finished_spans()
]))
"""


@pytest.mark.timeout(120)
def test_with_otel_enabled_requests_queries_cache_and_tasks_are_traced(tmp_path, transactional_db):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "OTEL_"))}
    if os.environ.get("DATABASE_URL"):
        # The suite's own (test) database: the configured one need not exist.
        from django.db import connection

        db = connection.settings_dict
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        env["DATABASE_URL"] = f"postgres://{db['USER']}:{db['PASSWORD']}@{host}/{db['NAME']}"
    env.update(
        OTEL_ENABLED="1",
        OTEL_TRACES_EXPORTER="none",  # spans go to the script's in-memory exporter only
        LOG_FORMAT="json",
        DJANGO_SETTINGS_MODULE="config.settings",
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
    )
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, (env.get("DATABASE_URL"), done.stderr[-3000:])
    lines = done.stdout.splitlines()
    spans = json.loads(next(line for line in lines if line.startswith("SPANS "))[6:])
    scopes = {span["scope"] for span in spans}
    assert "opentelemetry.instrumentation.django" in scopes, spans
    assert "opentelemetry.instrumentation.celery" in scopes, spans
    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        assert {
            "opentelemetry.instrumentation.psycopg",
            "opentelemetry.instrumentation.redis",
        } <= scopes, spans
    request_span = next(s for s in spans if s["scope"].endswith(".django"))
    logs = [json.loads(line) for line in lines if line.startswith("{")]
    access = [line for line in logs if line["logger"] == "apps.request"]
    assert access and access[-1]["request_id"] == "traced-request-01"
    assert access[-1]["trace_id"] == request_span["trace_id"]
    assert all("trace_id" in line for line in logs)  # every JSON line has the field
