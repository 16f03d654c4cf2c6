import asyncio
import datetime
import decimal
import io
import json
import logging

from probes import run_virtual
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


def test_concurrent_tasks_keep_their_own_ids(check):
    log, stream = make_logger("test.async")

    async def handle(rid, delay):
        request_id.set(rid)
        log.info("start")
        await asyncio.sleep(delay)
        log.info("end")

    async def main():
        await asyncio.gather(handle("req-a", 0.02), handle("req-b", 0.01))

    run_virtual(main())  # a virtual clock: the sleeps end in a fixed order
    check("(message, request_id) of each line", [(e["message"], e["request_id"]) for e in lines(stream)])


def test_exception_is_included(check):
    log, stream = make_logger("test.exc")
    try:
        1 / 0
    except ZeroDivisionError:
        log.exception("calculation failed")
    (entry,) = lines(stream)
    check("entry['level']", entry["level"])
    check("'ZeroDivisionError' in entry['exception']", "ZeroDivisionError" in entry.get("exception", ""))
    check("'Traceback' in entry['exception']", "Traceback" in entry["exception"])


def test_no_exception_key_without_exc_info(check):
    log, stream = make_logger("test.noexc")
    log.info("fine")
    (entry,) = lines(stream)
    check("'exception' in the line", "exception" in entry)
    check("entry['message']", entry.get("message"))


def test_standard_attributes_are_not_dumped(check):
    log, stream = make_logger("test.std")
    log.info("plain")
    (entry,) = lines(stream)
    noisy = ("args", "msg", "levelno", "pathname", "lineno", "created", "thread", "process", "exc_info")
    check("standard LogRecord attributes in the line", [k for k in noisy if k in entry])
    check("keys of the line", sorted(entry))


def test_unserialisable_extras_become_strings(check):
    log, stream = make_logger("test.types")
    when = datetime.datetime(2026, 1, 2, 3, 4, 5)
    log.info("typed", extra={"when": when, "amount": decimal.Decimal("9.90")})
    (entry,) = lines(stream)
    check("entry['when'] (a datetime)", entry["when"])
    check("entry['amount'] (Decimal('9.90'))", entry["amount"])


def test_all_redacted_keys_case_insensitive(check):
    log, stream = make_logger("test.redact")
    log.info("x", extra={"password": "p", "SECRET": "s", "Authorization": "Bearer t", "tokens_left": 3})
    (entry,) = lines(stream)
    for key in ("password", "SECRET", "Authorization"):
        check(f"entry[{key!r}]", entry[key])
    check("entry['tokens_left']", entry["tokens_left"])


def test_time_is_utc_with_milliseconds(check):
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "m", (), None)
    record.created = 1_800_000_000.5
    entry = json.loads(JsonFormatter().format(record))
    check("entry['time'] for created=1_800_000_000.5", entry["time"])
