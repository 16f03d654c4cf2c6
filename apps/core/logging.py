"""Structured logging: a request id on every line, JSON lines in production, and the
trace and span ids while OpenTelemetry traces are on (apps/core/tracing.py)."""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# Set by apps.core.tracing when traces are on: the current (trace id, span id) or None.
trace_ids: Callable[[], tuple[str, str] | None] | None = None

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class RequestIdFilter(logging.Filter):
    """Attach the current request id (or ``-`` outside a request) to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        if trace_ids is not None and not hasattr(record, "trace_id"):
            ids = trace_ids()
            record.trace_id, record.span_id = ids if ids is not None else ("-", "-")
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        if trace_ids is not None and not hasattr(record, "trace_id"):  # no filter ran
            ids = trace_ids()
            payload["trace_id"], payload["span_id"] = ids if ids is not None else ("-", "-")
        for key, value in record.__dict__.items():
            if key not in _RESERVED and key not in payload and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)
