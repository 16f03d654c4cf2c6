import asyncio
import datetime
import decimal
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


def test_concurrent_tasks_keep_their_own_ids():
    log, stream = make_logger("test.async")

    async def handle(rid, delay):
        request_id.set(rid)
        log.info("start")
        await asyncio.sleep(delay)
        log.info("end")

    async def main():
        await asyncio.gather(handle("req-a", 0.02), handle("req-b", 0.01))

    asyncio.run(main())
    got = [(e["message"], e["request_id"]) for e in lines(stream)]
    want = [("start", "req-a"), ("start", "req-b"), ("end", "req-b"), ("end", "req-a")]
    assert got == want, f"expected {want!r}, got {got!r}"


def test_exception_is_included():
    log, stream = make_logger("test.exc")
    try:
        1 / 0
    except ZeroDivisionError:
        log.exception("calculation failed")
    (entry,) = lines(stream)
    assert entry["level"] == "ERROR", f"unexpected level {entry['level']!r}"
    assert "ZeroDivisionError" in entry.get("exception", ""), f"traceback missing: {entry!r}"
    assert "Traceback" in entry["exception"], f"expected a formatted traceback: {entry['exception']!r}"


def test_no_exception_key_without_exc_info():
    log, stream = make_logger("test.noexc")
    log.info("fine")
    (entry,) = lines(stream)
    assert "exception" not in entry, f"unexpected exception key: {entry!r}"


def test_standard_attributes_are_not_dumped():
    log, stream = make_logger("test.std")
    log.info("plain")
    (entry,) = lines(stream)
    for noisy in ("args", "msg", "levelno", "pathname", "lineno", "created", "thread", "process", "exc_info"):
        assert noisy not in entry, f"standard LogRecord attribute {noisy!r} should not appear: {sorted(entry)!r}"
    assert set(entry) == {"time", "level", "logger", "message", "request_id"}, f"unexpected keys {sorted(entry)!r}"


def test_unserialisable_extras_become_strings():
    log, stream = make_logger("test.types")
    when = datetime.datetime(2026, 1, 2, 3, 4, 5)
    log.info("typed", extra={"when": when, "amount": decimal.Decimal("9.90")})
    (entry,) = lines(stream)
    assert entry["when"] == str(when), f"datetime should be str(): {entry['when']!r}"
    assert entry["amount"] == "9.90", f"Decimal should be str(): {entry['amount']!r}"


def test_all_redacted_keys_case_insensitive():
    log, stream = make_logger("test.redact")
    log.info("x", extra={"password": "p", "SECRET": "s", "Authorization": "Bearer t", "tokens_left": 3})
    (entry,) = lines(stream)
    for key in ("password", "SECRET", "Authorization"):
        assert entry[key] == "[REDACTED]", f"{key} should be redacted: {entry!r}"
    assert entry["tokens_left"] == 3, f"only exact names are redacted: {entry!r}"


def test_time_is_utc_with_milliseconds():
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "m", (), None)
    record.created = 1_800_000_000.5
    entry = json.loads(JsonFormatter().format(record))
    assert entry["time"] == "2027-01-15T08:00:00.500+00:00", f"unexpected time {entry['time']!r}"
