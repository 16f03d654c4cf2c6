"""Visible tests: each one calls your code and checks what it gives.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label. The tests run your code on an event loop with a
virtual clock: `asyncio.sleep()` and timeouts take no real time, and while a test runs,
`time.perf_counter()` reads that clock (a 20 ms sleep measures 20 ms).
"""

import asyncio
import selectors
import time

import solution
from solution import Check, run_checks


class VirtualClock(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps to the next timer when every task is waiting."""

    def __init__(self, start):
        self.now = start
        self.timers = 0
        loop = self

        class Selector(selectors.DefaultSelector):
            def select(self, timeout=None):
                events = super().select(0 if timeout is not None else None)
                if not events and timeout:
                    loop.now += timeout
                return events

        super().__init__(selector=Selector())

    def time(self):
        return self.now

    def call_at(self, when, callback, *args, context=None):
        self.timers += 1  # timers due at the same time run in the order they were set
        return super().call_at(when + self.timers * 1e-9, callback, *args, context=context)


def run(coro):
    """Run `coro` like asyncio.run(); return its result and the virtual seconds it took."""
    loop = VirtualClock(start=1234.567)
    patched = []
    for name in ("perf_counter", "monotonic"):
        real = getattr(time, name)
        for module in (time, solution):  # solution: after `from time import perf_counter`
            if getattr(module, name, None) is real:
                setattr(module, name, loop.time)
                patched.append((module, name, real))
    try:
        with asyncio.Runner(loop_factory=lambda: loop) as runner:
            result = runner.run(coro)
    finally:
        for module, name, real in patched:
            setattr(module, name, real)
    return result, loop.now - 1234.567


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
