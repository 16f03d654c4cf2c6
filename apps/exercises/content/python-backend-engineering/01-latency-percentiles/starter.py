"""Latency percentiles and Little's law."""

from collections.abc import Sequence


def percentile(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of `samples` (0 < p <= 100)."""
    # Looks plausible, but the index is off by one and nothing is validated.
    ordered = sorted(samples)
    return ordered[int(p / 100 * len(ordered))]


def latency_summary(samples_ms: Sequence[float]) -> dict[str, float | int | None]:
    """Return count, mean, p50, p95, p99 and max for one window of latencies."""
    raise NotImplementedError


def concurrency_needed(rate_per_s: float, seconds_each: float, utilisation: float = 0.7) -> int:
    """Requests in flight (Little's law) with headroom, rounded up."""
    raise NotImplementedError
