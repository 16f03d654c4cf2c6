"""OpenTelemetry traces: off unless ``OTEL_ENABLED``; then Django, psycopg, Redis and
Celery are instrumented, spans go to ``OTEL_TRACES_EXPORTER`` (OTLP over HTTP by
default, configured by the standard ``OTEL_EXPORTER_OTLP_*`` variables) and every log
line carries the trace and span ids (apps/core/logging.py).

Nothing here is imported while tracing is off: the packages cost neither memory nor
start-up time then. Turned on without them installed, the process stops at start with a
message saying so (``ConfigurationError``), rather than running untraced unnoticed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from config.env import ConfigurationError

_provider: Any = None


def setup() -> Any:
    """Install the tracer provider and the instrumentations, once per process (the
    app's ``ready``); None while tracing is off. Returns the provider."""
    global _provider  # noqa: PLW0603
    if not settings.OTEL_ENABLED or _provider is not None:
        return _provider
    try:
        from opentelemetry import trace
        from opentelemetry.instrumentation.celery import CeleryInstrumentor
        from opentelemetry.instrumentation.django import DjangoInstrumentor
        from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
        from opentelemetry.instrumentation.redis import RedisInstrumentor
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
    except ImportError as exc:
        raise ConfigurationError(
            f"OTEL_ENABLED is on but OpenTelemetry is not installed ({exc}); install the "
            "locked dependencies (make install) or turn OTEL_ENABLED off"
        ) from exc

    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.OTEL_SERVICE_NAME})
    )
    exporter: Any = None
    if settings.OTEL_TRACES_EXPORTER == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()  # OTEL_EXPORTER_OTLP_ENDPOINT etc., read by the SDK
    elif settings.OTEL_TRACES_EXPORTER == "console":
        exporter = ConsoleSpanExporter()
    if exporter is not None:
        # Batched off the request path; the processor re-creates its thread after a fork
        # (gunicorn's preloaded workers, Celery's pool).
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)

    DjangoInstrumentor().instrument(is_sql_commentor_enabled=False)
    PsycopgInstrumentor().instrument(enable_commenter=False, skip_dep_check=True)
    RedisInstrumentor().instrument()
    CeleryInstrumentor().instrument()

    from apps.core import logging as core_logging

    core_logging.trace_ids = _current_ids
    _provider = provider
    return provider


def _current_ids() -> tuple[str, str] | None:
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")
