"""Idempotency keys for a payments endpoint."""

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: dict


class IdempotencyConflict(Exception):
    """The key was already used with a different payload (answer 422)."""


class RequestInProgress(Exception):
    """The first request with this key has not finished yet (answer 409)."""


@dataclass
class _Entry:
    fingerprint: str
    response: StoredResponse | None = None  # None while in progress
    stored_at: float = 0.0


def _fingerprint(payload: dict) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyStore:
    """Remember the first response per (client, Idempotency-Key)."""

    def __init__(self, *, ttl: float = 24 * 3600, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[tuple[str, str], _Entry] = {}

    def handle(
        self,
        client_id: str,
        key: str,
        payload: dict,
        process: Callable[[dict], StoredResponse],
    ) -> tuple[StoredResponse, bool]:
        if not 1 <= len(key) <= 255:
            raise ValueError("Idempotency-Key must be 1 to 255 characters")
        slot = (client_id, key)
        fingerprint = _fingerprint(payload)
        entry = self._entries.get(slot)
        if entry is not None and entry.response is not None and self.clock() >= entry.stored_at + self.ttl:
            del self._entries[slot]
            entry = None
        if entry is not None:
            if entry.response is None:
                raise RequestInProgress(key)
            if entry.fingerprint != fingerprint:
                raise IdempotencyConflict(key)
            return entry.response, True

        entry = _Entry(fingerprint)
        self._entries[slot] = entry  # in progress
        try:
            response = process(payload)
        except BaseException:
            del self._entries[slot]
            raise
        if response.status >= 500:
            del self._entries[slot]
            return response, False
        entry.response = response
        entry.stored_at = self.clock()
        return response, False
