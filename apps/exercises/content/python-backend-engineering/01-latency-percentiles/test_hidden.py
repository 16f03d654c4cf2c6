from solution import concurrency_needed, latency_summary, percentile


def test_percentile_single_sample(check):
    one = [42.5]
    for p in (1, 50, 99.9, 100):
        check(f"percentile(one sample, {p})", percentile(one, p))


def test_percentile_small_p_returns_minimum(check):
    samples = list(range(17, 117))
    check("percentile(100 samples from the 17th up, 0.5)", percentile(samples, 0.5))
    check("percentile(100 samples from the 17th up, 1)", percentile(samples, 1))
    check("percentile(100 samples from the 17th up, 1.01)", percentile(samples, 1.01))


def test_percentile_p99_of_1000(check):
    samples = list(range(1000, 0, -1))  # 1000 down to 1, unsorted input
    check("percentile(1000..1, 99)", percentile(samples, 99))
    check("percentile(1000..1, 99.95)", percentile(samples, 99.95))


def test_percentile_rejects_bad_input(check):
    for samples, p in [([], 50), ([1, 2], 0), ([1, 2], 101), ([1, 2], -5)]:
        check.raises(f"percentile({samples!r}, {p!r})", ValueError, percentile, samples, p)
    check("percentile(two samples, 100)", percentile([1, 2], 100))
    check("percentile(two other samples, 0.001)", percentile([7, 3], 0.001))


def test_summary_of_empty_window(check):
    check("latency_summary([])", latency_summary([]))
    check("latency_summary([5])", latency_summary([5]))


def test_concurrency_float_noise_is_not_rounded_up(check):
    check("concurrency_needed(100, 0.07, 0.7)", concurrency_needed(100, 0.07, 0.7))
    check("concurrency_needed(10, 0.1, 1.0)", concurrency_needed(10, 0.1, 1.0))
    check("concurrency_needed(30, 0.1, 0.3)", concurrency_needed(30, 0.1, 0.3))


def test_concurrency_zero_traffic(check):
    check("concurrency_needed(0, 0.2)", concurrency_needed(0, 0.2))
    check("concurrency_needed(1, 0.001)", concurrency_needed(1, 0.001))
    check("concurrency_needed(0.5, 3)", concurrency_needed(0.5, 3))


def test_concurrency_rejects_bad_utilisation(check):
    for args in [(100, 0.1, 0), (100, 0.1, 1.5), (100, 0.1, -0.5), (-1, 0.1, 0.7), (100, -0.1, 0.7)]:
        check.raises(f"concurrency_needed{args!r}", ValueError, concurrency_needed, *args)
    check("concurrency_needed(100, 0.1, 1)", concurrency_needed(100, 0.1, 1))
