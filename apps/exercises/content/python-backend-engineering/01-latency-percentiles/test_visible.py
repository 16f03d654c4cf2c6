import math

from solution import concurrency_needed, latency_summary, percentile


def test_percentile_nearest_rank():
    samples = [30, 10, 20, 40]
    for p, want in [(25, 10), (50, 20), (75, 30), (95, 40), (100, 40)]:
        got = percentile(samples, p)
        assert got == want, f"percentile({samples}, {p}): expected {want!r}, got {got!r}"


def test_percentile_does_not_sort_callers_list():
    samples = [3, 1, 2]
    percentile(samples, 50)
    assert samples == [3, 1, 2], f"the caller's list was modified: {samples!r}"


def test_summary_shows_the_tail():
    got = latency_summary([20] * 98 + [2000, 2000])
    assert set(got) == {"count", "mean", "p50", "p95", "p99", "max"}, f"unexpected keys: {sorted(got)!r}"
    assert got["count"] == 100, f"count: expected 100, got {got['count']!r}"
    assert math.isclose(got["mean"], 59.6), f"mean: expected 59.6, got {got['mean']!r}"
    assert (got["p50"], got["p95"], got["p99"], got["max"]) == (20, 20, 2000, 2000), (
        f"p50/p95/p99/max: expected (20, 20, 2000, 2000), got "
        f"{(got['p50'], got['p95'], got['p99'], got['max'])!r}"
    )


def test_concurrency_from_littles_law():
    got = concurrency_needed(2000, 0.050)
    assert got == 143, f"2000 req/s x 50 ms at 70 %: expected 143, got {got!r}"
    got = concurrency_needed(200, 0.050)
    assert got == 15, f"200 req/s x 50 ms at 70 %: expected 15, got {got!r}"
