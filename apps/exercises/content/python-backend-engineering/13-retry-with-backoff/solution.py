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

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base <= 0:
            raise ValueError("base must be positive")
        if self.cap < self.base:
            raise ValueError("cap must be at least base")

    def ceiling(self, retry_number: int) -> float:
        """Backoff ceiling before retry `retry_number` (0-based)."""
        value = self.base
        for _ in range(retry_number):
            if value >= self.cap:
                break
            value *= 2
        return min(self.cap, value)


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
    for attempt in range(1, policy.max_attempts + 1):
        try:
            return fn()
        except policy.retry_on as exc:
            if attempt == policy.max_attempts:
                raise RetriesExhausted(attempt, exc) from exc
            wait = rand() * policy.ceiling(attempt - 1)
            hint = getattr(exc, "retry_after", None)
            if isinstance(hint, (int, float)) and not isinstance(hint, bool):
                wait = max(float(hint), wait)
            if on_retry is not None:
                on_retry(attempt, exc, wait)
            sleep(wait)
    raise AssertionError("unreachable")
