"""Visible tests: each one calls your code and checks what it gives.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label. The tests run your code on an event loop with a
virtual clock: `asyncio.sleep()` and timeouts take no real time, and always happen in
the same order.
"""

import asyncio

from probes import run_virtual as run
from solution import fetch_all


def fields(outcomes):
    return [(o.key, o.ok, o.value, o.error) for o in outcomes]


DELAYS = {"fast": 0.01, "slow": 1.0, "a": 0.05, "b": 0.05, "c": 0.05, "d": 0.05}


async def fake_fetch(key):
    if key == "broken":
        raise ConnectionError("connection reset")
    await asyncio.sleep(DELAYS[key])
    return f"data for {key}"


def test_results_and_failures_in_order(check):
    got, _ = run(fetch_all(["slow", "fast", "broken"], fake_fetch, timeout=0.1))
    check("(key, ok, value, error) of each outcome", fields(got))


def test_calls_overlap(check):
    got, elapsed = run(fetch_all(["a", "b", "c", "d"], fake_fetch, timeout=1))
    check("values of fetch_all(['a', 'b', 'c', 'd'])", [o.value for o in got])
    check("time taken by 4 calls of 50 ms", "under 0.15 s" if elapsed < 0.15 else f"{elapsed:.2f} s")


def test_empty_input(check):
    got, _ = run(fetch_all([], fake_fetch, timeout=1))
    check("fetch_all([])", got)
