import asyncio
import time

from solution import Outcome, fetch_all

DELAYS = {"fast": 0.01, "slow": 1.0, "a": 0.05, "b": 0.05, "c": 0.05, "d": 0.05}


async def fake_fetch(key):
    if key == "broken":
        raise ConnectionError("connection reset")
    await asyncio.sleep(DELAYS[key])
    return f"data for {key}"


def test_results_and_failures_in_order():
    got = asyncio.run(fetch_all(["slow", "fast", "broken"], fake_fetch, timeout=0.1))
    want = [
        Outcome("slow", ok=False, error="timeout"),
        Outcome("fast", ok=True, value="data for fast"),
        Outcome("broken", ok=False, error="ConnectionError"),
    ]
    assert got == want, f"expected {want!r}, got {got!r}"


def test_calls_overlap():
    start = time.perf_counter()
    got = asyncio.run(fetch_all(["a", "b", "c", "d"], fake_fetch, timeout=1))
    elapsed = time.perf_counter() - start
    assert [o.value for o in got] == [f"data for {k}" for k in "abcd"], f"unexpected outcomes {got!r}"
    assert elapsed < 0.15, f"4 calls of 50 ms should overlap (~0.05 s), took {elapsed:.2f} s"


def test_empty_input():
    got = asyncio.run(fetch_all([], fake_fetch, timeout=1))
    assert got == [], f"expected [], got {got!r}"
