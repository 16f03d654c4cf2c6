"""Visible tests: each one calls your code and checks what it gives.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label. The tests run your code on an event loop with a
virtual clock: `asyncio.sleep()` and timeouts take no real time, and while a test runs,
`time.perf_counter()` reads that clock (a 20 ms sleep measures 20 ms).
"""

import asyncio

import solution
from probes import run_virtual
from solution import Check, run_checks


def run(coro):
    """Run `coro` on the virtual clock; `time.perf_counter()` and `time.monotonic()` read
    it meanwhile. Return its result and the virtual seconds it took."""
    return run_virtual(coro, start=1234.567, clock_in=(solution,))


def within(value, low, high):
    """`value` if it is outside [low, high], else the range (any value inside passes)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high:
        return f"between {low} and {high}"
    return value


async def database():
    await asyncio.sleep(0.02)


async def cache():
    raise ConnectionRefusedError("redis://10.0.0.5:6379 refused")


async def hangs():
    await asyncio.sleep(5)


def test_all_healthy(check):
    (status, body), _ = run(run_checks([Check("database", database)]))
    check("HTTP status", status)
    check("body['status']", body["status"])
    db = body["checks"]["database"]
    check("database: status", db["status"])
    check("database: critical", db["critical"])
    check("database: has an 'error' key", "error" in db)
    check("database: latency_ms (a 20 ms probe)", within(db["latency_ms"], 10, 150))


def test_optional_failures_degrade(check):
    checks = [
        Check("database", database),
        Check("cache", cache, critical=False),
        Check("search", hangs, critical=False, timeout=0.1),
    ]
    (status, body), elapsed = run(run_checks(checks))
    check("(HTTP status, body['status'])", (status, body["status"]))
    check("cache: status", body["checks"]["cache"]["status"])
    check("cache: error", body["checks"]["cache"].get("error"))
    check("search: status", body["checks"]["search"]["status"])
    check("time taken (search hangs, timeout 0.1 s)", "under 0.3 s" if elapsed < 0.3 else f"{elapsed:.2f} s")


def test_critical_failure_is_503(check):
    (status, body), _ = run(run_checks([Check("database", cache), Check("other", database)]))
    check("(HTTP status, body['status'])", (status, body["status"]))
