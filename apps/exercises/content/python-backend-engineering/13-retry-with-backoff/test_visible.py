from solution import RetriesExhausted, RetryPolicy, call_with_retries


class ProviderBusy(ConnectionError):
    pass


def scripted(*replies):
    """A callable that raises or returns the given replies in order, counting calls."""
    replies = list(replies)
    calls = []

    def fn():
        calls.append(1)
        reply = replies.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        return reply

    return fn, calls


def test_ceiling_doubles_up_to_cap():
    policy = RetryPolicy(base=2, cap=20)
    got = [policy.ceiling(n) for n in range(6)]
    assert got == [2, 4, 8, 16, 20, 20], f"expected [2, 4, 8, 16, 20, 20], got {got!r}"


def test_succeeds_after_transient_failures():
    fn, calls = scripted(ProviderBusy("503"), ProviderBusy("503"), "paid")
    waits = []
    got = call_with_retries(fn, RetryPolicy(max_attempts=4, base=2, cap=300), sleep=waits.append, rand=lambda: 0.5)
    assert got == "paid", f"expected 'paid', got {got!r}"
    assert waits == [1.0, 2.0], f"expected full-jitter waits [1.0, 2.0], got {waits!r}"
    assert len(calls) == 3, f"expected 3 calls, got {len(calls)}"


def test_permanent_error_is_not_retried():
    fn, calls = scripted(ValueError("400 bad request"), "never reached")
    waits = []
    try:
        call_with_retries(fn, RetryPolicy(), sleep=waits.append, rand=lambda: 0.5)
    except ValueError:
        pass
    else:
        raise AssertionError("a ValueError is permanent and must be re-raised")
    assert len(calls) == 1 and waits == [], f"no retry expected: {len(calls)} calls, waits {waits!r}"


def test_gives_up_after_max_attempts():
    fn, calls = scripted(*[TimeoutError("slow")] * 3)
    waits = []
    try:
        call_with_retries(fn, RetryPolicy(max_attempts=3, base=1, cap=10), sleep=waits.append, rand=lambda: 1.0)
    except RetriesExhausted as exc:
        assert exc.attempts == 3, f"expected attempts == 3, got {exc.attempts}"
        assert isinstance(exc.last_error, TimeoutError), f"unexpected last_error {exc.last_error!r}"
    else:
        raise AssertionError("expected RetriesExhausted")
    assert waits == [1.0, 2.0], f"expected two waits [1.0, 2.0] and none after the last attempt, got {waits!r}"
