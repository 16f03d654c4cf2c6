import asyncio

from probes import run_virtual as run
from solution import fetch_all


def fields(outcomes):
    return [(o.key, o.ok, o.value, o.error) for o in outcomes]


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


def test_concurrency_limit_is_respected(check):
    tracker = Tracker()
    keys = [f"k{i}" for i in range(9)]
    got, _ = run(fetch_all(keys, tracker.fetch, timeout=1, limit=3))
    check("most calls in flight at once with limit=3", tracker.peak)
    check("values", [o.value for o in got])


def test_timeout_counts_from_start_of_call(check):
    # 4 calls of 40 ms, 2 at a time, 60 ms deadline each: the second wave must
    # not be charged for the time it waited for a slot.
    tracker = Tracker(delay=0.04)
    got, _ = run(fetch_all(["a", "b", "c", "d"], tracker.fetch, timeout=0.06, limit=2))
    check("(key, ok, value, error) of each outcome", fields(got))


def test_results_follow_input_order_not_finish_order(check):
    delays = {"x": 0.06, "y": 0.0, "z": 0.03}

    async def fetch(key):
        await asyncio.sleep(delays[key])
        return delays[key]

    got, _ = run(fetch_all(["x", "y", "z"], fetch, timeout=1))
    check("keys", [o.key for o in got])
    check("values", [o.value for o in got])


def test_failure_does_not_cancel_others(check):
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

    got, _ = run(fetch_all(["ok1", "bad", "ok2"], fetch, timeout=1))
    check("(key, ok, value, error) of each outcome", fields(got))
    check("calls cancelled", cancelled)


def test_duplicate_keys_fetched_each_time(check):
    tracker = Tracker(delay=0)
    got, _ = run(fetch_all(["a", "a"], tracker.fetch, timeout=1))
    check("values", [o.value for o in got])
    check("calls for 'a'", tracker.started.count("a"))


def test_outer_cancellation_propagates_and_cleans_up(check):
    tracker = Tracker(delay=0.5)

    async def main():
        try:
            async with asyncio.timeout(0.05):
                await fetch_all(["a", "b"], tracker.fetch, timeout=5)
        except TimeoutError:
            return "cancelled"
        return "finished"

    got, elapsed = run(main())
    check("what the caller saw", got)
    check("calls cancelled", sorted(tracker.cancelled))
    check("time until the run ended", "under 0.3 s" if elapsed < 0.3 else f"{elapsed:.2f} s")


def test_exception_class_name_for_custom_errors(check):
    class UpstreamError(Exception):
        pass

    async def fetch(key):
        raise UpstreamError(key)

    got, _ = run(fetch_all(["q"], fetch, timeout=1))
    check("(key, ok, value, error) of each outcome", fields(got))
