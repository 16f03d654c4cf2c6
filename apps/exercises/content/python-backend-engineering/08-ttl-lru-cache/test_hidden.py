from solution import TTLCache


class FakeClock:
    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now


def test_invalid_arguments(check):
    for args in [(0, 10), (-1, 10), (5, 0), (5, -1)]:
        check.raises(f"TTLCache{args!r}", ValueError, TTLCache, *args)
    cache = TTLCache(1, 0.5, clock=FakeClock())
    cache.set("k", ["value"])
    check("TTLCache(1, 0.5): get('k') right after a set", cache.get("k"))


def test_per_entry_ttl(check):
    clock = FakeClock()
    cache = TTLCache(max_size=5, ttl=100, clock=clock)
    cache.set("short", 1, ttl=1)
    cache.set("long", 2)
    clock.now = 1
    check("get('short') at t=1 (ttl=1)", cache.get("short"))
    check("get('long') at t=1 (default ttl 100)", cache.get("long"))


def test_set_refreshes_value_and_expiry_without_evicting(check):
    clock = FakeClock()
    cache = TTLCache(max_size=2, ttl=10, clock=clock)
    cache.set("a", 1)
    cache.set("b", 2)
    clock.now = 8
    cache.set("a", 11)  # replace: no eviction, new expiry at 18
    check("get('b') after replacing 'a' in a full cache", cache.get("b"))
    clock.now = 15
    check("get('a') at t=15 (replaced at 8)", cache.get("a"))
    check("get('b') at t=15 (set at 0)", cache.get("b"))


def test_expired_entries_are_dropped_before_evicting_lru(check):
    clock = FakeClock()
    cache = TTLCache(max_size=3, ttl=10, clock=clock)
    cache.set("old", 0, ttl=1)
    cache.set("x", 1)
    cache.set("y", 2)
    clock.now = 2
    cache.set("z", 3)  # "old" is expired: drop it rather than evicting "x"
    check("[get('x'), get('y'), get('z')]", [cache.get("x"), cache.get("y"), cache.get("z")])


def test_lru_order_follows_reads_and_writes(check):
    cache = TTLCache(max_size=3, ttl=10, clock=FakeClock())
    for k in "abc":
        cache.set(k, k)
    cache.get("a")
    cache.set("b", "B")
    cache.set("d", "d")  # c is least recently used now
    check("get('c')", cache.get("c"))
    check("[get('a'), get('b'), get('d')]", [cache.get(k) for k in "abd"])


def test_none_is_a_cacheable_value(check):
    cache = TTLCache(max_size=2, ttl=10, clock=FakeClock())
    cache.set("k", None)
    check("get('k', 'default') after set('k', None)", cache.get("k", "default"))
    check("(hits, misses)", (cache.hits, cache.misses))
    calls = []
    cache.get_or_set("n", lambda: calls.append(1))  # loader returns None
    cache.get_or_set("n", lambda: calls.append(1))
    check("loader calls for a cached None", len(calls))


def test_len_counts_only_live_entries(check):
    clock = FakeClock()
    cache = TTLCache(max_size=5, ttl=10, clock=clock)
    cache.set("a", 1)
    cache.set("b", 2, ttl=20)
    check("len(cache) at t=0", len(cache))
    clock.now = 10
    check("len(cache) at t=10", len(cache))


def test_delete(check):
    clock = FakeClock()
    cache = TTLCache(max_size=5, ttl=10, clock=clock)
    cache.set("a", 1)
    cache.set("b", 2)
    check("delete('a')", cache.delete("a"))
    check("delete('a') again", cache.delete("a"))
    clock.now = 20
    check("delete('b') once expired", cache.delete("b"))
    check("get('a')", cache.get("a"))
    check("len(cache)", len(cache))


def test_loader_exception_stores_nothing(check):
    cache = TTLCache(max_size=5, ttl=10, clock=FakeClock())

    def broken():
        raise ConnectionError("db down")

    check.raises("get_or_set('k', broken)", ConnectionError, cache.get_or_set, "k", broken)
    check("get_or_set('k', loader) after the failure", cache.get_or_set("k", lambda: "fresh"))


def test_get_or_set_counts_hits_and_misses(check):
    cache = TTLCache(max_size=5, ttl=10, clock=FakeClock())
    cache.get_or_set("k", lambda: 1)
    cache.get_or_set("k", lambda: 2)
    check("(hits, misses)", (cache.hits, cache.misses))


def test_size_one_cache(check):
    cache = TTLCache(max_size=1, ttl=10, clock=FakeClock())
    cache.set("a", 1)
    cache.set("b", 2)
    check("get('a')", cache.get("a"))
    check("get('b')", cache.get("b"))
