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


class IdempotencyStore:
    """Remember the first response per (client, Idempotency-Key)."""

    def __init__(self, *, ttl: float = 24 * 3600, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._responses: dict[str, StoredResponse] = {}

    def handle(
        self,
        client_id: str,
        key: str,
        payload: dict,
        process: Callable[[dict], StoredResponse],
    ) -> tuple[StoredResponse, bool]:
        # A first draft: keyed by the key alone, ignores the payload, keeps
        # every response forever.
        if key in self._responses:
            return self._responses[key], True
        response = process(payload)
        self._responses[key] = response
        return response, False
