"""Visible tests: each one calls your code and checks what it returns.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label, outside the sandbox. The expected values are listed
on the exercise page and shown in a failing test's message.
"""

from solution import concurrency_needed, latency_summary, percentile


def test_percentile_nearest_rank(check):
    samples = [30, 10, 20, 40]
    for p in (25, 50, 75, 95, 100):
        check(f"percentile({samples}, {p})", percentile(samples, p))


def test_percentile_does_not_sort_callers_list(check):
    samples = [3, 1, 2]
    check("percentile([3, 1, 2], 50)", percentile(samples, 50))
    check("the caller's list afterwards", samples)


def test_summary_shows_the_tail(check):
    summary = latency_summary([20] * 98 + [2000, 2000])
    check("keys of latency_summary([20] * 98 + [2000, 2000])", sorted(summary))
    for key in ("count", "p50", "p95", "p99", "max"):
        check(f"summary[{key!r}]", summary[key])
    check("summary['mean']", summary["mean"], approx=1e-9)


def test_concurrency_from_littles_law(check):
    check("concurrency_needed(2000, 0.050)", concurrency_needed(2000, 0.050))
    check("concurrency_needed(200, 0.050)", concurrency_needed(200, 0.050))
