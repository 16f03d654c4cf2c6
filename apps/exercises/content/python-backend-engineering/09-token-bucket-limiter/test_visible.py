"""Visible tests: each one calls your code and checks what it gives.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label. `FakeClock` stands in for `time.monotonic`: the
tests move time by setting `clock.now`.
"""

from solution import RateLimiter, retry_after_header


class FakeClock:
    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now


def test_burst_then_reject(check):
    limiter = RateLimiter(rate=2, capacity=5, clock=FakeClock())
    got = [limiter.allow("user:42") for _ in range(6)]
    check("allowed, for 6 requests at once", [d.allowed for d in got])
    check("remaining, for 6 requests at once", [d.remaining for d in got])
    check("retry_after of the 6th request", got[5].retry_after, approx=1e-9)


def test_refill_over_time(check):
    clock = FakeClock()
    limiter = RateLimiter(rate=2, capacity=5, clock=clock)
    for _ in range(5):
        limiter.allow("k")
    clock.now = 1.0
    got = limiter.allow("k")
    check("(allowed, remaining, retry_after) 1 s after emptying the bucket", (got.allowed, got.remaining, got.retry_after))


def test_keys_are_independent(check):
    limiter = RateLimiter(rate=1, capacity=1, clock=FakeClock())
    first, second, other = limiter.allow("a"), limiter.allow("a"), limiter.allow("b")
    check("first request for 'a': allowed", first.allowed)
    check("second request for 'a': allowed", second.allowed)
    check("first request for 'b': allowed", other.allowed)
    check("remaining after each request (a, a, b)", [first.remaining, second.remaining, other.remaining])


def test_retry_after_header_rounds_up(check):
    limiter = RateLimiter(rate=2, capacity=1, clock=FakeClock())
    check("header for an allowed request", retry_after_header(limiter.allow("k")))
    check("header when the next token is 0.5 s away", retry_after_header(limiter.allow("k")))
