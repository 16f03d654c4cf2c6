"""Latency percentiles and Little's law."""

import math
from collections.abc import Sequence


def percentile(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of `samples` (0 < p <= 100)."""
    if not samples:
        raise ValueError("no samples")
    if not 0 < p <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {p!r}")
    ordered = sorted(samples)
    rank = math.ceil(p / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


def latency_summary(samples_ms: Sequence[float]) -> dict[str, float | int | None]:
    """Return count, mean, p50, p95, p99 and max for one window of latencies."""
    if not samples_ms:
        return {"count": 0, "mean": None, "p50": None, "p95": None, "p99": None, "max": None}
    return {
        "count": len(samples_ms),
        "mean": sum(samples_ms) / len(samples_ms),
        "p50": percentile(samples_ms, 50),
        "p95": percentile(samples_ms, 95),
        "p99": percentile(samples_ms, 99),
        "max": max(samples_ms),
    }


def concurrency_needed(rate_per_s: float, seconds_each: float, utilisation: float = 0.7) -> int:
    """Requests in flight (Little's law) with headroom, rounded up."""
    if not 0 < utilisation <= 1:
        raise ValueError(f"utilisation must be in (0, 1], got {utilisation!r}")
    if rate_per_s < 0 or seconds_each < 0:
        raise ValueError("rate and time must not be negative")
    return math.ceil(round(rate_per_s * seconds_each / utilisation, 6))
