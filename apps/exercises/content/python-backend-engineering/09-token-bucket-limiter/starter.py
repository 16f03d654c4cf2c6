"""A per-client token-bucket rate limiter."""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int  # whole tokens left in this key's bucket after the decision
    retry_after: float  # seconds until this request would pass; 0.0 when allowed


class RateLimiter:
    """One token bucket per key: `rate` tokens/second, bursts up to `capacity`."""

    def __init__(self, rate: float, capacity: int, *, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.capacity = capacity
        self.clock = clock
        self._counts: dict[tuple[str, int], int] = {}

    def allow(self, key: str, cost: float = 1) -> Decision:
        # A fixed window of one second: allows `capacity` per calendar second,
        # so bursts at a window edge get through twice, and nothing is per-rate.
        window = (key, int(self.clock()))
        used = self._counts.get(window, 0)
        if used + cost <= self.capacity:
            self._counts[window] = used + cost
            return Decision(True, int(self.capacity - used - cost), 0.0)
        return Decision(False, 0, 1.0)

    def prune(self) -> int:
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self._counts)


def retry_after_header(decision: Decision) -> dict[str, str]:
    """Headers to add to a 429 response for this decision."""
    raise NotImplementedError
