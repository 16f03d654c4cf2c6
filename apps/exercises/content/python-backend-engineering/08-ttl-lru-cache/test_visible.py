from solution import TTLCache


class FakeClock:
    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now


def test_example_from_the_prompt():
    clock = FakeClock()
    cache = TTLCache(max_size=2, ttl=10, clock=clock)
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.get("a") == 1, "a should be cached"
    cache.set("c", 3)
    assert cache.get("b") is None, "b was least recently used and should have been evicted"
    assert cache.get("c") == 3, "c should be cached"
    clock.now = 10.0
    assert cache.get("a") is None, "a was set at 0 with ttl 10 and must be expired at 10"
    got = (cache.hits, cache.misses)
    assert got == (2, 2), f"expected (hits, misses) == (2, 2), got {got!r}"


def test_entries_expire():
    clock = FakeClock(100.0)
    cache = TTLCache(max_size=10, ttl=5, clock=clock)
    cache.set("k", "v")
    clock.now = 104.999
    assert cache.get("k") == "v", "entry should still be live just before its TTL"
    clock.now = 105.0
    assert cache.get("k", "gone") == "gone", "entry should be expired at exactly set time + ttl"


def test_get_or_set_calls_loader_once():
    cache = TTLCache(max_size=10, ttl=60, clock=FakeClock())
    calls = []

    def loader():
        calls.append(1)
        return {"outline": ["module 1"]}

    first = cache.get_or_set("outline", loader)
    second = cache.get_or_set("outline", loader)
    assert first == second == {"outline": ["module 1"]}, f"unexpected values {first!r} {second!r}"
    assert len(calls) == 1, f"loader should run once, ran {len(calls)} times"
