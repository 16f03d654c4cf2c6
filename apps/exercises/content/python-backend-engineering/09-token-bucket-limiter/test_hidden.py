import math

from solution import Decision, RateLimiter, retry_after_header


class FakeClock:
    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now


def test_bucket_never_exceeds_capacity():
    clock = FakeClock()
    limiter = RateLimiter(rate=10, capacity=3, clock=clock)
    limiter.allow("k")
    clock.now = 1000
    got = [limiter.allow("k").allowed for _ in range(4)]
    assert got == [True, True, True, False], f"refill must be capped at capacity, got {got!r}"


def test_rejection_does_not_spend():
    clock = FakeClock()
    limiter = RateLimiter(rate=1, capacity=2, clock=clock)
    limiter.allow("k", cost=2)
    for _ in range(5):
        limiter.allow("k")  # rejected, must not dig a hole
    clock.now = 1.0
    assert limiter.allow("k").allowed, "rejected requests must not consume tokens"


def test_cost_and_retry_after():
    clock = FakeClock()
    limiter = RateLimiter(rate=4, capacity=10, clock=clock)
    assert limiter.allow("k", cost=7) == Decision(True, 3, 0.0)
    got = limiter.allow("k", cost=5)
    assert not got.allowed and got.remaining == 3, f"unexpected {got!r}"
    assert math.isclose(got.retry_after, 0.5), f"need 2 more tokens at 4/s: expected 0.5, got {got.retry_after!r}"
    assert retry_after_header(got) == {"Retry-After": "1"}


def test_retry_after_header_whole_seconds():
    for seconds, want in [(0.01, "1"), (1.0, "1"), (1.2, "2"), (59.99, "60")]:
        got = retry_after_header(Decision(False, 0, seconds))
        assert got == {"Retry-After": want}, f"retry_after {seconds}: expected {want!r}, got {got!r}"


def test_invalid_arguments():
    for args in [(0, 5), (-1, 5), (1, 0)]:
        try:
            RateLimiter(*args)
        except ValueError:
            continue
        raise AssertionError(f"RateLimiter{args!r} should raise ValueError")
    limiter = RateLimiter(1, 5, clock=FakeClock())
    for cost in (0, -1, 6):
        try:
            limiter.allow("k", cost=cost)
        except ValueError:
            continue
        raise AssertionError(f"cost={cost} should raise ValueError with capacity 5")


def test_float_rates_do_not_drift():
    clock = FakeClock()
    limiter = RateLimiter(rate=0.1, capacity=1, clock=clock)
    assert limiter.allow("k").allowed
    passed_at = []
    for step in range(1, 101):  # a request every 0.1 s; after 10 s exactly one token exists
        clock.now = step * 0.1
        if limiter.allow("k").allowed:
            passed_at.append(step)
    assert passed_at == [100], f"expected only the request at 10 s to pass, passed at steps {passed_at!r}"


def test_clock_going_backwards_is_harmless():
    clock = FakeClock(100.0)
    limiter = RateLimiter(rate=1, capacity=1, clock=clock)
    limiter.allow("k")
    clock.now = 50.0
    got = limiter.allow("k")
    assert not got.allowed, f"a clock jump backwards must not mint or destroy tokens: {got!r}"
    clock.now = 51.0
    assert limiter.allow("k").allowed, "one second after the jump a token should exist"


def test_prune_drops_only_full_buckets():
    clock = FakeClock()
    limiter = RateLimiter(rate=1, capacity=2, clock=clock)
    limiter.allow("idle")
    clock.now = 5.0
    limiter.allow("busy")
    limiter.allow("busy")
    assert len(limiter) == 2, f"expected 2 buckets, got {len(limiter)}"
    removed = limiter.prune()
    assert removed == 1 and len(limiter) == 1, f"only 'idle' is full again: removed {removed}, left {len(limiter)}"
    assert not limiter.allow("busy").allowed, "pruning must not reset an active bucket"
    clock.now = 100.0
    assert limiter.prune() == 1 and len(limiter) == 0, "after a long pause every bucket is full and removable"
