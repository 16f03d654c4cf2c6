from solution import concurrency_needed, latency_summary, percentile


def test_percentile_single_sample():
    for p in (1, 50, 99.9, 100):
        got = percentile([42.5], p)
        assert got == 42.5, f"percentile([42.5], {p}): expected 42.5, got {got!r}"


def test_percentile_small_p_returns_minimum():
    got = percentile(list(range(1, 101)), 0.5)
    assert got == 1, f"p0.5 of 1..100: expected 1, got {got!r}"


def test_percentile_p99_of_1000():
    samples = list(range(1000, 0, -1))  # 1000 down to 1, unsorted input
    got = percentile(samples, 99)
    assert got == 990, f"p99 of 1..1000: expected 990, got {got!r}"


def test_percentile_rejects_bad_input():
    for samples, p in [([], 50), ([1, 2], 0), ([1, 2], 101), ([1, 2], -5)]:
        try:
            percentile(samples, p)
        except ValueError:
            continue
        raise AssertionError(f"percentile({samples!r}, {p!r}) should raise ValueError")


def test_summary_of_empty_window():
    got = latency_summary([])
    want = {"count": 0, "mean": None, "p50": None, "p95": None, "p99": None, "max": None}
    assert got == want, f"expected {want!r}, got {got!r}"


def test_concurrency_float_noise_is_not_rounded_up():
    got = concurrency_needed(100, 0.07, 0.7)
    assert got == 10, f"100 x 0.07 / 0.7 is 10 on paper: expected 10, got {got!r}"
    got = concurrency_needed(10, 0.1, 1.0)
    assert got == 1, f"10 x 0.1 / 1.0: expected 1, got {got!r}"


def test_concurrency_zero_traffic():
    got = concurrency_needed(0, 0.2)
    assert got == 0, f"no traffic needs no slots: expected 0, got {got!r}"


def test_concurrency_rejects_bad_utilisation():
    for args in [(100, 0.1, 0), (100, 0.1, 1.5), (100, 0.1, -0.5), (-1, 0.1, 0.7), (100, -0.1, 0.7)]:
        try:
            concurrency_needed(*args)
        except ValueError:
            continue
        raise AssertionError(f"concurrency_needed{args!r} should raise ValueError")
