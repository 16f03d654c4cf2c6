from solution import RetriesExhausted, RetryPolicy, call_with_retries


def scripted(*replies):
    replies = list(replies)
    calls = []

    def fn():
        calls.append(1)
        reply = replies.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        return reply

    return fn, calls


class RateLimited(ConnectionError):
    def __init__(self, retry_after):
        super().__init__("429")
        self.retry_after = retry_after


def test_policy_validation():
    for kwargs in ({"max_attempts": 0}, {"base": 0}, {"base": -1}, {"base": 5, "cap": 1}):
        try:
            RetryPolicy(**kwargs)
        except ValueError:
            continue
        raise AssertionError(f"RetryPolicy(**{kwargs!r}) should raise ValueError")


def test_ceiling_never_overflows():
    policy = RetryPolicy(base=0.5, cap=30)
    assert policy.ceiling(0) == 0.5
    got = policy.ceiling(5000)
    assert got == 30, f"huge retry numbers should stay at the cap, got {got!r}"


def test_single_attempt_policy_never_sleeps():
    fn, _ = scripted(ConnectionError("reset"))
    waits = []
    try:
        call_with_retries(fn, RetryPolicy(max_attempts=1), sleep=waits.append, rand=lambda: 0.9)
    except RetriesExhausted as exc:
        assert exc.attempts == 1
    else:
        raise AssertionError("expected RetriesExhausted")
    assert waits == [], f"no sleep with a single attempt, got {waits!r}"


def test_exhausted_error_is_chained():
    fn, _ = scripted(ConnectionError("a"), ConnectionError("b"))
    try:
        call_with_retries(fn, RetryPolicy(max_attempts=2), sleep=lambda s: None, rand=lambda: 0)
    except RetriesExhausted as exc:
        assert exc.__cause__ is exc.last_error, "use `raise RetriesExhausted(...) from last_error`"
        assert str(exc.last_error) == "b", f"last_error should be the final failure, got {exc.last_error!r}"
    else:
        raise AssertionError("expected RetriesExhausted")


def test_jitter_uses_rand_each_time():
    values = iter([0.0, 0.25, 0.99])
    fn, _ = scripted(TimeoutError(), TimeoutError(), TimeoutError(), "ok")
    waits = []
    got = call_with_retries(fn, RetryPolicy(max_attempts=4, base=4, cap=100), sleep=waits.append, rand=lambda: next(values))
    assert got == "ok"
    want = [0.0, 0.25 * 8, 0.99 * 16]
    assert waits == want, f"expected waits {want!r}, got {waits!r}"


def test_retry_after_is_honoured():
    fn, _ = scripted(RateLimited(7), RateLimited(0.1), "ok")
    waits = []
    call_with_retries(fn, RetryPolicy(base=1, cap=60), sleep=waits.append, rand=lambda: 0.5)
    assert waits == [7, 1.0], f"expected max(retry_after, jitter) = [7, 1.0], got {waits!r}"


def test_non_numeric_retry_after_is_ignored():
    err = ConnectionError("odd")
    err.retry_after = "soon"
    fn, _ = scripted(err, "ok")
    waits = []
    call_with_retries(fn, RetryPolicy(base=2), sleep=waits.append, rand=lambda: 0.5)
    assert waits == [1.0], f"a non-numeric retry_after must be ignored, got {waits!r}"


def test_on_retry_callback():
    seen = []
    fn, _ = scripted(ConnectionError("x"), TimeoutError("y"), 42)
    got = call_with_retries(
        fn,
        RetryPolicy(base=1, cap=10),
        sleep=lambda s: None,
        rand=lambda: 1.0,
        on_retry=lambda attempt, err, wait: seen.append((attempt, type(err).__name__, wait)),
    )
    assert got == 42
    assert seen == [(1, "ConnectionError", 1.0), (2, "TimeoutError", 2.0)], f"unexpected callbacks {seen!r}"


def test_custom_retry_on():
    class Flaky(Exception):
        pass

    fn, calls = scripted(Flaky(), "done")
    got = call_with_retries(fn, RetryPolicy(retry_on=(Flaky,)), sleep=lambda s: None, rand=lambda: 0)
    assert got == "done" and len(calls) == 2, f"Flaky should be retried: result {got!r}, calls {len(calls)}"
    fn, calls = scripted(ConnectionError(), "never")
    try:
        call_with_retries(fn, RetryPolicy(retry_on=(Flaky,)), sleep=lambda s: None, rand=lambda: 0)
    except ConnectionError:
        assert len(calls) == 1
    else:
        raise AssertionError("ConnectionError is not in retry_on here and must not be retried")
