from solution import TTLCache


class FakeClock:
    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now


def test_invalid_arguments():
    for args in [(0, 10), (-1, 10), (5, 0), (5, -1)]:
        try:
            TTLCache(*args)
        except ValueError:
            continue
        raise AssertionError(f"TTLCache{args!r} should raise ValueError")


def test_per_entry_ttl():
    clock = FakeClock()
    cache = TTLCache(max_size=5, ttl=100, clock=clock)
    cache.set("short", 1, ttl=1)
    cache.set("long", 2)
    clock.now = 1
    assert cache.get("short") is None and cache.get("long") == 2, "per-entry ttl should override the default"


def test_set_refreshes_value_and_expiry_without_evicting():
    clock = FakeClock()
    cache = TTLCache(max_size=2, ttl=10, clock=clock)
    cache.set("a", 1)
    cache.set("b", 2)
    clock.now = 8
    cache.set("a", 11)  # replace: no eviction, new expiry at 18
    assert cache.get("b") == 2, "replacing an existing key must not evict anything"
    clock.now = 15
    assert cache.get("a") == 11, "replaced entry should get a fresh expiry"
    assert cache.get("b") is None, "b expired at 10"


def test_expired_entries_are_dropped_before_evicting_lru():
    clock = FakeClock()
    cache = TTLCache(max_size=3, ttl=10, clock=clock)
    cache.set("old", 0, ttl=1)
    cache.set("x", 1)
    cache.set("y", 2)
    clock.now = 2
    cache.set("z", 3)  # "old" is expired: drop it rather than evicting "x"
    assert cache.get("x") == 1 and cache.get("y") == 2 and cache.get("z") == 3, "live entries were evicted"


def test_lru_order_follows_reads_and_writes():
    cache = TTLCache(max_size=3, ttl=10, clock=FakeClock())
    for k in "abc":
        cache.set(k, k)
    cache.get("a")
    cache.set("b", "B")
    cache.set("d", "d")  # c is least recently used now
    assert cache.get("c") is None, "c should have been evicted"
    assert [cache.get(k) for k in "abd"] == ["a", "B", "d"], "a, b and d should remain"


def test_none_is_a_cacheable_value():
    cache = TTLCache(max_size=2, ttl=10, clock=FakeClock())
    cache.set("k", None)
    assert cache.get("k", "default") is None, "a cached None must be returned, not the default"
    assert cache.hits == 1 and cache.misses == 0, f"expected one hit, got hits={cache.hits} misses={cache.misses}"
    calls = []
    cache.get_or_set("n", lambda: calls.append(1))  # loader returns None
    cache.get_or_set("n", lambda: calls.append(1))
    assert len(calls) == 1, f"a cached None should not re-run the loader, ran {len(calls)} times"


def test_len_counts_only_live_entries():
    clock = FakeClock()
    cache = TTLCache(max_size=5, ttl=10, clock=clock)
    cache.set("a", 1)
    cache.set("b", 2, ttl=20)
    assert len(cache) == 2, f"expected 2, got {len(cache)}"
    clock.now = 10
    assert len(cache) == 1, f"expected 1 live entry at t=10, got {len(cache)}"


def test_delete():
    clock = FakeClock()
    cache = TTLCache(max_size=5, ttl=10, clock=clock)
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.delete("a") is True, "deleting a live entry should return True"
    assert cache.delete("a") is False, "deleting it again should return False"
    clock.now = 20
    assert cache.delete("b") is False, "deleting an expired entry should return False"
    assert cache.get("a") is None


def test_loader_exception_stores_nothing():
    cache = TTLCache(max_size=5, ttl=10, clock=FakeClock())

    def broken():
        raise ConnectionError("db down")

    try:
        cache.get_or_set("k", broken)
    except ConnectionError:
        pass
    else:
        raise AssertionError("the loader's exception should propagate")
    assert cache.get_or_set("k", lambda: "fresh") == "fresh", "nothing should have been cached after a failure"


def test_get_or_set_counts_hits_and_misses():
    cache = TTLCache(max_size=5, ttl=10, clock=FakeClock())
    cache.get_or_set("k", lambda: 1)
    cache.get_or_set("k", lambda: 2)
    assert (cache.hits, cache.misses) == (1, 1), f"expected (1, 1), got {(cache.hits, cache.misses)!r}"


def test_size_one_cache():
    cache = TTLCache(max_size=1, ttl=10, clock=FakeClock())
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.get("a") is None and cache.get("b") == 2, "a size-1 cache keeps only the newest key"
