import math

from solution import Decision, RateLimiter, retry_after_header


class FakeClock:
    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now


def test_burst_then_reject():
    limiter = RateLimiter(rate=2, capacity=5, clock=FakeClock())
    got = [limiter.allow("user:42") for _ in range(6)]
    assert [d.allowed for d in got] == [True] * 5 + [False], f"expected 5 allowed then 1 rejected, got {got!r}"
    assert [d.remaining for d in got] == [4, 3, 2, 1, 0, 0], f"unexpected remaining counts {[d.remaining for d in got]!r}"
    assert math.isclose(got[5].retry_after, 0.5), f"expected retry_after 0.5 s, got {got[5].retry_after!r}"


def test_refill_over_time():
    clock = FakeClock()
    limiter = RateLimiter(rate=2, capacity=5, clock=clock)
    for _ in range(5):
        limiter.allow("k")
    clock.now = 1.0
    got = limiter.allow("k")
    assert got == Decision(True, 1, 0.0), f"after 1 s at 2 tokens/s: expected Decision(True, 1, 0.0), got {got!r}"


def test_keys_are_independent():
    limiter = RateLimiter(rate=1, capacity=1, clock=FakeClock())
    assert limiter.allow("a").allowed, "first request for 'a' should pass"
    assert not limiter.allow("a").allowed, "second request for 'a' should be rejected"
    assert limiter.allow("b").allowed, "'b' has its own bucket"


def test_retry_after_header_rounds_up():
    limiter = RateLimiter(rate=2, capacity=1, clock=FakeClock())
    assert retry_after_header(limiter.allow("k")) == {}, "an allowed request needs no header"
    got = retry_after_header(limiter.allow("k"))
    assert got == {"Retry-After": "1"}, f"0.5 s should round up to '1', got {got!r}"
