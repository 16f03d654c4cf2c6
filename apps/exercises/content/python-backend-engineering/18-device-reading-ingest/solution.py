"""Ingest device readings exactly once."""

import time
from collections.abc import Callable, Iterable


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _valid(item: object) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("device_id"), str)
        and item["device_id"] != ""
        and isinstance(item.get("seq"), int)
        and not isinstance(item["seq"], bool)
        and item["seq"] >= 0
        and _is_number(item.get("ts"))
        and _is_number(item.get("value"))
    )


class Ingestor:
    """Store device readings once per (device_id, seq)."""

    def __init__(self, *, max_future_skew: float = 300.0, clock: Callable[[], float] = time.time):
        self.max_future_skew = max_future_skew
        self.clock = clock
        self.stored: list[dict] = []
        self._seen: dict[str, set[int]] = {}

    def ingest(self, batch: Iterable[object]) -> dict:
        """Validate, deduplicate and store a batch; return the counts."""
        accepted = duplicates = 0
        rejected: list[dict] = []
        for index, item in enumerate(batch):
            if not _valid(item):
                rejected.append({"index": index, "reason": "invalid"})
                continue
            now = self.clock()
            if item["ts"] > now + self.max_future_skew:
                rejected.append({"index": index, "reason": "future"})
                continue
            seen = self._seen.setdefault(item["device_id"], set())
            if item["seq"] in seen:
                duplicates += 1
                continue
            seen.add(item["seq"])
            self.stored.append(
                {
                    "device_id": item["device_id"],
                    "seq": item["seq"],
                    "device_time": item["ts"],
                    "received_at": now,
                    "value": item["value"],
                }
            )
            accepted += 1
        return {"accepted": accepted, "duplicates": duplicates, "rejected": rejected}

    def missing(self, device_id: str) -> list[tuple[int, int]]:
        """Inclusive ranges of sequence numbers not yet received."""
        seqs = sorted(self._seen.get(device_id, ()))
        gaps = []
        for before, after in zip(seqs, seqs[1:]):
            if after > before + 1:
                gaps.append((before + 1, after - 1))
        return gaps
