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


def exhausted(fn, policy, **kwargs):
    """The RetriesExhausted that call_with_retries raised, or None if it returned."""
    try:
        call_with_retries(fn, policy, **kwargs)
    except RetriesExhausted as exc:
        return exc
    return None


class RateLimited(ConnectionError):
    def __init__(self, retry_after):
        super().__init__("429")
        self.retry_after = retry_after


def test_policy_validation(check):
    for kwargs in ({"max_attempts": 0}, {"base": 0}, {"base": -1}, {"base": 5, "cap": 1}):
        check.raises(f"RetryPolicy(**{kwargs!r})", ValueError, RetryPolicy, **kwargs)
    check("RetryPolicy(max_attempts=1, base=1.5, cap=10).ceiling(2)", RetryPolicy(max_attempts=1, base=1.5, cap=10).ceiling(2))
    check("RetryPolicy(base=5, cap=5).ceiling(3)", RetryPolicy(base=5, cap=5).ceiling(3))


def test_ceiling_never_overflows(check):
    policy = RetryPolicy(base=0.5, cap=30)
    check("RetryPolicy(base=0.5, cap=30).ceiling(0)", policy.ceiling(0))
    check("RetryPolicy(base=0.5, cap=30).ceiling(5000)", policy.ceiling(5000))


def test_single_attempt_policy_never_sleeps(check):
    fn, _ = scripted(ConnectionError("reset"))
    waits = []
    error = exhausted(fn, RetryPolicy(max_attempts=1), sleep=waits.append, rand=lambda: 0.9)
    check("max_attempts=1 and a ConnectionError: raises RetriesExhausted", error is not None)
    if error is not None:
        check("exc.attempts", error.attempts)
    check("waits slept", waits)


def test_exhausted_error_is_chained(check):
    fn, _ = scripted(ConnectionError("a"), ConnectionError("b"))
    error = exhausted(fn, RetryPolicy(max_attempts=2), sleep=lambda s: None, rand=lambda: 0)
    check("two ConnectionErrors with max_attempts=2: raises RetriesExhausted", error is not None)
    if error is not None:
        check("exc.__cause__ is exc.last_error", error.__cause__ is error.last_error)
        check("str(exc.last_error)", str(error.last_error))


def test_jitter_uses_rand_each_time(check):
    values = iter([0.0, 0.25, 0.99])
    fn, _ = scripted(TimeoutError(), TimeoutError(), TimeoutError(), "ok")
    waits = []
    got = call_with_retries(fn, RetryPolicy(max_attempts=4, base=4, cap=100), sleep=waits.append, rand=lambda: next(values))
    check("result", got)
    check("waits slept (rand() = 0.0, 0.25, 0.99)", waits)


def test_retry_after_is_honoured(check):
    fn, _ = scripted(RateLimited(7), RateLimited(0.1), "ok")
    waits = []
    call_with_retries(fn, RetryPolicy(base=1, cap=60), sleep=waits.append, rand=lambda: 0.5)
    check("waits slept (retry_after 7 then 0.1, rand() = 0.5)", waits)


def test_non_numeric_retry_after_is_ignored(check):
    err = ConnectionError("odd")
    err.retry_after = "soon"
    fn, _ = scripted(err, "ok")
    waits = []
    call_with_retries(fn, RetryPolicy(base=2), sleep=waits.append, rand=lambda: 0.5)
    check("waits slept (retry_after 'soon', rand() = 0.5)", waits)


def test_on_retry_callback(check):
    seen = []
    fn, _ = scripted(ConnectionError("x"), TimeoutError("y"), 42)
    got = call_with_retries(
        fn,
        RetryPolicy(base=1, cap=10),
        sleep=lambda s: None,
        rand=lambda: 1.0,
        on_retry=lambda attempt, err, wait: seen.append((attempt, type(err).__name__, wait)),
    )
    check("result", got)
    check("on_retry calls as (attempt, error type, wait)", seen)


def test_custom_retry_on(check):
    class Flaky(Exception):
        pass

    fn, calls = scripted(Flaky(), "done")
    got = call_with_retries(fn, RetryPolicy(retry_on=(Flaky,)), sleep=lambda s: None, rand=lambda: 0)
    check("retry_on=(Flaky,), Flaky then 'done': result", got)
    check("retry_on=(Flaky,), Flaky then 'done': number of calls", len(calls))
    fn, calls = scripted(ConnectionError(), "never")
    check.raises(
        "retry_on=(Flaky,), a ConnectionError",
        ConnectionError,
        call_with_retries,
        fn,
        RetryPolicy(retry_on=(Flaky,)),
        sleep=lambda s: None,
        rand=lambda: 0,
    )
    check("retry_on=(Flaky,), a ConnectionError: number of calls", len(calls))
