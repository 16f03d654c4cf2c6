import asyncio
import time

from solution import Outcome, fetch_all


class Tracker:
    def __init__(self, delay=0.02):
        self.delay = delay
        self.in_flight = 0
        self.peak = 0
        self.started = []
        self.cancelled = []

    async def fetch(self, key):
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        self.started.append(key)
        try:
            await asyncio.sleep(self.delay)
            return key.upper()
        except asyncio.CancelledError:
            self.cancelled.append(key)
            raise
        finally:
            self.in_flight -= 1


def test_concurrency_limit_is_respected():
    tracker = Tracker()
    keys = [f"k{i}" for i in range(9)]
    got = asyncio.run(fetch_all(keys, tracker.fetch, timeout=1, limit=3))
    assert tracker.peak == 3, f"expected at most (and exactly) 3 calls in flight, saw {tracker.peak}"
    assert [o.value for o in got] == [k.upper() for k in keys], f"unexpected values {got!r}"


def test_timeout_counts_from_start_of_call():
    # 4 calls of 40 ms, 2 at a time, 60 ms deadline each: the second wave must
    # not be charged for the time it waited for a slot.
    tracker = Tracker(delay=0.04)
    got = asyncio.run(fetch_all(["a", "b", "c", "d"], tracker.fetch, timeout=0.06, limit=2))
    assert all(o.ok for o in got), f"no call should time out, got {got!r}"


def test_results_follow_input_order_not_finish_order():
    delays = {"x": 0.06, "y": 0.0, "z": 0.03}

    async def fetch(key):
        await asyncio.sleep(delays[key])
        return delays[key]

    got = asyncio.run(fetch_all(["x", "y", "z"], fetch, timeout=1))
    assert [o.key for o in got] == ["x", "y", "z"], f"expected keys in input order, got {[o.key for o in got]}"
    assert [o.value for o in got] == [0.06, 0.0, 0.03], f"unexpected values {got!r}"


def test_failure_does_not_cancel_others():
    cancelled = []

    async def fetch(key):
        try:
            if key == "bad":
                raise ValueError("boom")
            await asyncio.sleep(0.03)
            return key
        except asyncio.CancelledError:
            cancelled.append(key)
            raise

    got = asyncio.run(fetch_all(["ok1", "bad", "ok2"], fetch, timeout=1))
    want = [Outcome("ok1", True, "ok1"), Outcome("bad", False, error="ValueError"), Outcome("ok2", True, "ok2")]
    assert got == want, f"expected {want!r}, got {got!r}"
    assert cancelled == [], f"other calls were cancelled: {cancelled!r}"


def test_duplicate_keys_fetched_each_time():
    tracker = Tracker(delay=0)
    got = asyncio.run(fetch_all(["a", "a"], tracker.fetch, timeout=1))
    assert [o.value for o in got] == ["A", "A"], f"unexpected {got!r}"
    assert tracker.started.count("a") == 2, f"expected 2 calls for 'a', got {tracker.started!r}"


def test_outer_cancellation_propagates_and_cleans_up():
    tracker = Tracker(delay=0.5)

    async def main():
        try:
            async with asyncio.timeout(0.05):
                await fetch_all(["a", "b"], tracker.fetch, timeout=5)
        except TimeoutError:
            return "cancelled"
        return "finished"

    start = time.perf_counter()
    got = asyncio.run(main())
    elapsed = time.perf_counter() - start
    assert got == "cancelled", "cancelling the caller must propagate out of fetch_all"
    assert sorted(tracker.cancelled) == ["a", "b"], f"in-flight calls should be cancelled, got {tracker.cancelled!r}"
    assert elapsed < 0.3, f"fetch_all kept running after cancellation ({elapsed:.2f} s)"


def test_exception_class_name_for_custom_errors():
    class UpstreamError(Exception):
        pass

    async def fetch(key):
        raise UpstreamError(key)

    got = asyncio.run(fetch_all(["q"], fetch, timeout=1))
    assert got == [Outcome("q", False, error="UpstreamError")], f"unexpected {got!r}"
