"""Fixed-window rate limits kept in the cache (Redis in services mode).

One mechanism for every surface: login failures, sign-ups, password resets, join
codes, code runs. ``hit`` counts an event and says whether the limit is exceeded;
``peek`` reads without counting.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    """``limit`` events per ``window`` seconds in bucket ``scope``."""

    scope: str
    limit: int
    window: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    retry_after: int


def _key(limit: Limit, identity: str) -> str:
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]
    window_start = int(time.time()) // limit.window
    return f"rl:{limit.scope}:{digest}:{window_start}"


def _retry_after(limit: Limit) -> int:
    return limit.window - int(time.time()) % limit.window


def hit(limit: Limit, identity: str, *, amount: int = 1) -> Verdict:
    """Count ``amount`` events for ``identity``; allowed while the count stays within the limit."""
    key = _key(limit, identity)
    cache.add(key, 0, timeout=limit.window + 1)
    try:
        count = cache.incr(key, amount)
    except ValueError:  # expired between add and incr
        cache.set(key, amount, timeout=limit.window + 1)
        count = amount
    return Verdict(allowed=count <= limit.limit, count=count, retry_after=_retry_after(limit))


def peek(limit: Limit, identity: str) -> Verdict:
    """Whether one more event would be allowed, without counting it."""
    count = int(cache.get(_key(limit, identity)) or 0)
    return Verdict(allowed=count < limit.limit, count=count, retry_after=_retry_after(limit))


def reset(limit: Limit, identity: str) -> None:
    cache.delete(_key(limit, identity))
