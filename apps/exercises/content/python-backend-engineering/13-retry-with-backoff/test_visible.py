"""Visible tests: each one calls your code and checks what it returns.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label, outside the sandbox. The expected values are listed
on the exercise page and shown in a failing test's message.
"""

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


def test_ceiling_doubles_up_to_cap(check):
    policy = RetryPolicy(base=2, cap=20)
    check("[RetryPolicy(base=2, cap=20).ceiling(n) for n in range(6)]", [policy.ceiling(n) for n in range(6)])


def test_succeeds_after_transient_failures(check):
    fn, calls = scripted(ProviderBusy("503"), ProviderBusy("503"), "paid")
    waits = []
    got = call_with_retries(fn, RetryPolicy(max_attempts=4, base=2, cap=300), sleep=waits.append, rand=lambda: 0.5)
    check("result after two 503s", got)
    check("waits slept (rand() = 0.5)", waits)
    check("number of calls", len(calls))


def test_permanent_error_is_not_retried(check):
    fn, calls = scripted(ValueError("400 bad request"), "never reached")
    waits = []
    check.raises(
        "call_with_retries(fn raising ValueError)",
        ValueError,
        call_with_retries,
        fn,
        RetryPolicy(),
        sleep=waits.append,
        rand=lambda: 0.5,
    )
    check("number of calls", len(calls))
    check("waits slept", waits)


def test_gives_up_after_max_attempts(check):
    fn, calls = scripted(*[TimeoutError("slow")] * 3)
    waits = []
    try:
        call_with_retries(fn, RetryPolicy(max_attempts=3, base=1, cap=10), sleep=waits.append, rand=lambda: 1.0)
    except RetriesExhausted as exc:
        error = exc
    else:
        error = None
    check("three TimeoutErrors with max_attempts=3 raise RetriesExhausted", error is not None)
    if error is not None:
        check("exc.attempts", error.attempts)
        check("exc.last_error is a TimeoutError", isinstance(error.last_error, TimeoutError))
    check("waits slept (rand() = 1.0)", waits)
