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
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_basic_fields():
    log, stream = make_logger("test.basic")
    log.warning("disk %d%% full", 91)
    (entry,) = lines(stream)
    for key in ("time", "level", "logger", "message", "request_id"):
        assert key in entry, f"key {key!r} missing from {entry!r}"
    want = {"level": "WARNING", "logger": "test.basic", "message": "disk 91% full", "request_id": None}
    got = {k: entry.get(k) for k in want}
    assert got == want, f"expected {want!r}, got {got!r}"
    assert entry["time"].endswith("+00:00") and "T" in entry["time"], f"time should be UTC ISO 8601: {entry['time']!r}"


def test_request_id_from_contextvar():
    log, stream = make_logger("test.rid")
    token = request_id.set("7f3c9a1e")
    try:
        log.info("order placed")
    finally:
        request_id.reset(token)
    log.info("after the request")
    first, second = lines(stream)
    assert "request_id" in first, f"key 'request_id' missing from {first!r}"
    assert first["request_id"] == "7f3c9a1e", f"expected request_id '7f3c9a1e', got {first['request_id']!r}"
    assert second["request_id"] is None, f"expected null after reset, got {second['request_id']!r}"


def test_extra_fields_and_redaction():
    log, stream = make_logger("test.extra")
    log.info("login", extra={"user_id": 7, "Token": "abc123"})
    (entry,) = lines(stream)
    assert entry.get("user_id") == 7, f"extra field user_id missing or wrong: {entry!r}"
    assert entry.get("Token") == "[REDACTED]", f"Token should be redacted: {entry!r}"


def test_quotes_and_newlines_stay_one_valid_line():
    log, stream = make_logger("test.quotes")
    log.info('user said "hi"\nand left')
    raw = stream.getvalue()
    assert raw.count("\n") == 1, f"expected exactly one line, got {raw!r}"
    (entry,) = lines(stream)
    assert entry["message"] == 'user said "hi"\nand left', f"message mangled: {entry['message']!r}"
