"""Retries with exponential backoff and full jitter."""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5  # total attempts, the first one included
    base: float = 0.5  # seconds
    cap: float = 30.0  # seconds
    retry_on: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError)

    def ceiling(self, retry_number: int) -> float:
        """Backoff ceiling before retry `retry_number` (0-based)."""
        raise NotImplementedError


class RetriesExhausted(Exception):
    def __init__(self, attempts: int, last_error: BaseException):
        super().__init__(f"gave up after {attempts} attempts: {last_error!r}")
        self.attempts = attempts
        self.last_error = last_error


def call_with_retries(
    fn: Callable[[], T],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
    rand: Callable[[], float] = random.random,
    on_retry: Callable[[int, BaseException, float], None] | None = None,
) -> T:
    """Call fn, retrying transient failures with backoff and jitter."""
    # A common first version: retries everything, always waits one second.
    for attempt in range(policy.max_attempts):
        try:
            return fn()
        except Exception:
            sleep(1.0)
    return fn()
