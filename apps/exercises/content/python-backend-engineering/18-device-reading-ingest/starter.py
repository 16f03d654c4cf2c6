"""Ingest device readings exactly once."""

import time
from collections.abc import Callable, Iterable


class Ingestor:
    """Store device readings once per (device_id, seq)."""

    def __init__(self, *, max_future_skew: float = 300.0, clock: Callable[[], float] = time.time):
        self.max_future_skew = max_future_skew
        self.clock = clock
        self.stored: list[dict] = []

    def ingest(self, batch: Iterable[object]) -> dict:
        """Validate, deduplicate and store a batch; return the counts."""
        # Stores everything it is sent, resends and nonsense included.
        accepted = 0
        for item in batch:
            self.stored.append(
                {
                    "device_id": item["device_id"],
                    "seq": item["seq"],
                    "device_time": item["ts"],
                    "received_at": self.clock(),
                    "value": item["value"],
                }
            )
            accepted += 1
        return {"accepted": accepted, "duplicates": 0, "rejected": []}

    def missing(self, device_id: str) -> list[tuple[int, int]]:
        """Inclusive ranges of sequence numbers not yet received."""
        raise NotImplementedError
