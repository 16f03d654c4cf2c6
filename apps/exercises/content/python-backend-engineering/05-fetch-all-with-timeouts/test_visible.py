"""Visible tests: each one calls your code and checks what it gives.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label. The tests run your code on an event loop with a
virtual clock: `asyncio.sleep()` and timeouts take no real time, and always happen in
the same order.
"""

import asyncio
import selectors

from solution import fetch_all


class VirtualClock(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps to the next timer when every task is waiting."""

    def __init__(self):
        self.now = 0.0
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
    loop = VirtualClock()
    with asyncio.Runner(loop_factory=lambda: loop) as runner:
        result = runner.run(coro)
    return result, loop.now


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
