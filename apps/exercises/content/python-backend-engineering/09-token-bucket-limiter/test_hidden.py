from solution import Decision, RateLimiter, retry_after_header


class FakeClock:
    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now


def fields(decision):
    return (decision.allowed, decision.remaining, decision.retry_after)


def test_bucket_never_exceeds_capacity(check):
    clock = FakeClock()
    limiter = RateLimiter(rate=10, capacity=3, clock=clock)
    limiter.allow("k")
    clock.now = 1000
    check("allowed, for 4 requests after a long pause", [limiter.allow("k").allowed for _ in range(4)])


def test_rejection_does_not_spend(check):
    clock = FakeClock()
    limiter = RateLimiter(rate=1, capacity=2, clock=clock)
    limiter.allow("k", cost=2)
    rejected = [limiter.allow("k") for _ in range(5)]  # rejected, must not dig a hole
    check("retry_after of 5 rejected requests in a row", [d.retry_after for d in rejected], approx=1e-9)
    clock.now = 1.0
    check("allowed 1 s later", limiter.allow("k").allowed)


def test_cost_and_retry_after(check):
    clock = FakeClock()
    limiter = RateLimiter(rate=4, capacity=10, clock=clock)
    check("allow('k', cost=7) with 10 tokens", fields(limiter.allow("k", cost=7)))
    got = limiter.allow("k", cost=5)
    check("allow('k', cost=5) next: (allowed, remaining)", (got.allowed, got.remaining))
    check("allow('k', cost=5) next: retry_after", got.retry_after, approx=1e-9)
    check("its Retry-After header", retry_after_header(got))


def test_retry_after_header_whole_seconds(check):
    for seconds in (0.01, 1.0, 1.2, 59.99):
        check(f"retry_after_header for retry_after={seconds}", retry_after_header(Decision(False, 0, seconds)))


def test_invalid_arguments(check):
    for args in [(0, 5), (-1, 5), (1, 0)]:
        check.raises(f"RateLimiter{args!r}", ValueError, RateLimiter, *args)
    limiter = RateLimiter(1, 5, clock=FakeClock())
    for cost in (0, -1, 6):
        check.raises(f"allow('k', cost={cost}) with capacity 5", ValueError, limiter.allow, "k", cost=cost)
    check("allow('k', cost=5) with a full bucket", fields(limiter.allow("k", cost=5)))


def test_float_rates_do_not_drift(check):
    clock = FakeClock()
    limiter = RateLimiter(rate=0.1, capacity=1, clock=clock)
    check("first request allowed", limiter.allow("k").allowed)
    passed_at = []
    for step in range(1, 101):  # a request every 0.1 s; after 10 s exactly one token exists
        clock.now = step * 0.1
        if limiter.allow("k").allowed:
            passed_at.append(step)
    check("steps (of 0.1 s) whose request passed", passed_at)


def test_clock_going_backwards_is_harmless(check):
    clock = FakeClock(100.0)
    limiter = RateLimiter(rate=1, capacity=1, clock=clock)
    limiter.allow("k")
    clock.now = 50.0
    got = limiter.allow("k")
    check("allowed after the clock jumps back 50 s", got.allowed)
    check("retry_after after the clock jumps back 50 s", got.retry_after, approx=1e-9)
    clock.now = 51.0
    check("allowed one second after the jump", limiter.allow("k").allowed)


def test_prune_drops_only_full_buckets(check):
    clock = FakeClock()
    limiter = RateLimiter(rate=1, capacity=2, clock=clock)
    limiter.allow("idle")
    clock.now = 5.0
    limiter.allow("busy")
    limiter.allow("busy")
    check("buckets stored", len(limiter))
    removed = limiter.prune()
    check("prune() with one idle key", (removed, len(limiter)))
    check("'busy' allowed after pruning", limiter.allow("busy").allowed)
    clock.now = 100.0
    removed = limiter.prune()
    check("prune() after a long pause", (removed, len(limiter)))
