"""Visible tests: each one calls your code and checks what it gives.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label. `FakeClock` stands in for `time.monotonic`: the
tests move time by setting `clock.now`.
"""

from solution import TTLCache


class FakeClock:
    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now


def test_example_from_the_prompt(check):
    clock = FakeClock()
    cache = TTLCache(max_size=2, ttl=10, clock=clock)
    cache.set("a", 1)
    cache.set("b", 2)
    check("get('a')", cache.get("a"))
    cache.set("c", 3)
    check("get('b') after set('c') in a full cache", cache.get("b"))
    check("get('c')", cache.get("c"))
    clock.now = 10.0
    check("get('a') at t=10 (set at 0, ttl 10)", cache.get("a"))
    check("(hits, misses)", (cache.hits, cache.misses))


def test_entries_expire(check):
    clock = FakeClock(100.0)
    cache = TTLCache(max_size=10, ttl=5, clock=clock)
    cache.set("k", "v")
    clock.now = 104.999
    check("get('k') at t=104.999 (set at 100, ttl 5)", cache.get("k"))
    clock.now = 105.0
    check("get('k', 'gone') at t=105", cache.get("k", "gone"))


def test_get_or_set_calls_loader_once(check):
    cache = TTLCache(max_size=10, ttl=60, clock=FakeClock())
    calls = []

    def loader():
        calls.append(1)
        return {"outline": ["module 1"]}

    check("first get_or_set('outline', loader)", cache.get_or_set("outline", loader))
    check("second get_or_set('outline', loader)", cache.get_or_set("outline", loader))
    check("calls to the loader", len(calls))
