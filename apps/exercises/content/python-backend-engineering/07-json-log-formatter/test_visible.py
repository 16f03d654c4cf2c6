"""Visible tests: each one calls your code and checks what it gives.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label. Each test logs through a logger whose handler uses
your `JsonFormatter`, then parses what it wrote.
"""

import io
import json
import logging

from solution import JsonFormatter, request_id


def make_logger(name):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger, stream


def lines(stream):
    parsed = []
    for line in stream.getvalue().splitlines():
        try:
            parsed.append(json.loads(line))
        except ValueError:
            raise ValueError(f"this line is not JSON: {line!r}") from None
    return parsed


def test_basic_fields(check):
    log, stream = make_logger("test.basic")
    log.warning("disk %d%% full", 91)
    (entry,) = lines(stream)
    check("keys missing from the line", [k for k in ("time", "level", "logger", "message", "request_id") if k not in entry])
    for key in ("level", "logger", "message", "request_id"):
        check(f"entry[{key!r}]", entry.get(key))
    time = str(entry.get("time", ""))
    check("entry['time'] is UTC ISO 8601 (has 'T', ends with '+00:00')", time.endswith("+00:00") and "T" in time)


def test_request_id_from_contextvar(check):
    log, stream = make_logger("test.rid")
    token = request_id.set("7f3c9a1e")
    try:
        log.info("order placed")
    finally:
        request_id.reset(token)
    log.info("after the request")
    first, second = lines(stream)
    check("request_id inside the request", first.get("request_id", "(no request_id key)"))
    check("request_id after reset", second.get("request_id", "(no request_id key)"))


def test_extra_fields_and_redaction(check):
    log, stream = make_logger("test.extra")
    log.info("login", extra={"user_id": 7, "Token": "abc123"})
    (entry,) = lines(stream)
    check("entry['user_id']", entry.get("user_id"))
    check("entry['Token']", entry.get("Token"))


def test_quotes_and_newlines_stay_one_valid_line(check):
    log, stream = make_logger("test.quotes")
    log.info('user said "hi"\nand left')
    raw = stream.getvalue()
    check("newlines written", raw.count("\n"))
    (entry,) = lines(stream) if raw.count("\n") == 1 else [{}]
    check("entry['message']", entry.get("message"))
