"""A per-client token-bucket rate limiter."""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

EPSILON = 1e-9


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int  # whole tokens left in this key's bucket after the decision
    retry_after: float  # seconds until this request would pass; 0.0 when allowed


class RateLimiter:
    """One token bucket per key: `rate` tokens/second, bursts up to `capacity`."""

    def __init__(self, rate: float, capacity: int, *, clock: Callable[[], float] = time.monotonic):
        if rate <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be positive")
        self.rate = rate
        self.capacity = capacity
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, updated_at)

    def _refilled(self, key: str, now: float) -> float:
        tokens, updated = self._buckets.get(key, (float(self.capacity), now))
        elapsed = max(0.0, now - updated)
        return min(float(self.capacity), tokens + elapsed * self.rate)

    def allow(self, key: str, cost: float = 1) -> Decision:
        if not 0 < cost <= self.capacity:
            raise ValueError(f"cost must be in (0, {self.capacity}], got {cost!r}")
        now = self.clock()
        tokens = self._refilled(key, now)
        if tokens + EPSILON >= cost:
            tokens = max(0.0, tokens - cost)
            self._buckets[key] = (tokens, now)
            return Decision(True, math.floor(tokens + EPSILON), 0.0)
        self._buckets[key] = (tokens, now)
        return Decision(False, math.floor(tokens + EPSILON), (cost - tokens) / self.rate)

    def prune(self) -> int:
        now = self.clock()
        full = [k for k in self._buckets if self._refilled(k, now) >= self.capacity - EPSILON]
        for key in full:
            del self._buckets[key]
        return len(full)

    def __len__(self) -> int:
        return len(self._buckets)


def retry_after_header(decision: Decision) -> dict[str, str]:
    """Headers to add to a 429 response for this decision."""
    if decision.allowed:
        return {}
    return {"Retry-After": str(max(1, math.ceil(decision.retry_after)))}
