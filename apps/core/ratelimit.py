"""Rate limits kept in the cache (Redis in services mode): counters per time window.

One mechanism for every surface: login failures, sign-ups, password resets, join
codes, code runs and the APIs' throttles. ``hit`` counts an event and says whether the
limit is exceeded; ``peek`` reads without counting.

Two ways to count, per ``Limit``:

* **fixed window** (the default): one counter per identity per window
  (``int(now) // window``). Simple and exact within a window, but a client can spend
  its budget at the end of one window and again at the start of the next: up to twice
  the limit in one window's time.
* **sliding window** (``sliding=True``, the API throttles): the current window's
  counter plus the previous window's, weighted by how much of the previous window
  still lies inside the last ``window`` seconds. No burst at the boundary; an
  approximation of a sliding log that needs two counters instead of one timestamp
  per request.

On Redis each hit is one round trip: a ``MULTI`` that creates the window's key with
its expiry when missing, increments it and (sliding) reads the previous window's.

**When Redis cannot be reached** the limits still hold, per process: counting falls
back to counters in this process's memory (``_LocalCounters``) until Redis answers
again, so a login or join page never fails because of a cache outage, and a client
gets at most the limit once per web process (not unlimited) while it lasts. The
fallback's counts are not carried back into Redis.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What an unreachable or cut Redis raises from the raw client (a refused connection,
# a reset one, a timeout).
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


@dataclass(frozen=True)
class Limit:
    """``limit`` events per ``window`` seconds in bucket ``scope``."""

    scope: str
    limit: int
    window: int
    sliding: bool = False


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int  # events counted in the window (sliding: the weighted estimate, rounded up)
    retry_after: int


def _key(limit: Limit, identity: str, index: int | None = None) -> str:
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]
    if index is None:
        index = int(time.time()) // limit.window
    return f"rl:{limit.scope}:{digest}:{index}"


def _retry_after(limit: Limit) -> int:
    return limit.window - int(time.time()) % limit.window


def hit(limit: Limit, identity: str, *, amount: int = 1) -> Verdict:
    """Count ``amount`` events for ``identity``; allowed while the count stays within the limit."""
    now = time.time()
    index = int(now) // limit.window
    key = _key(limit, identity, index)
    previous_key = _key(limit, identity, index - 1) if limit.sliding else None
    timeout = limit.window * (2 if limit.sliding else 1) + 1
    try:
        counted = _incr_redis(key, amount, timeout, previous_key)
    except REDIS_DOWN as exc:
        _redis_down(limit, exc)
        counted = _local.incr(key, amount, timeout, previous_key)
    if counted is None:
        cache.add(key, 0, timeout=timeout)
        try:
            count = cache.incr(key, amount)
        except ValueError:  # expired between add and incr
            cache.set(key, amount, timeout=timeout)
            count = amount
        previous = int(cache.get(previous_key) or 0) if previous_key else 0
    else:
        count, previous = counted
    if not limit.sliding:
        verdict = Verdict(
            allowed=count <= limit.limit, count=count, retry_after=_retry_after(limit)
        )
    else:
        verdict = _sliding_verdict(limit, now, count, previous, counting=True)
    if not verdict.allowed:
        _exceeded(limit)
    return verdict


def _exceeded(limit: Limit) -> None:
    from apps.core import metrics

    metrics.rate_limit_exceeded.labels(limit.scope).inc()


def _sliding_verdict(
    limit: Limit, now: float, count: int, previous: int, *, counting: bool
) -> Verdict:
    window = limit.window
    elapsed = now - (int(now) // window) * window
    weight = (window - elapsed) / window  # the previous window's share of the last `window` s
    estimate = previous * weight + count
    allowed = estimate <= limit.limit if counting else estimate + 1 <= limit.limit
    remaining = window - elapsed
    # When will one more event fit (the next attempt counts one more)?
    if count >= limit.limit:
        # Not in this window; in the next, once this window's weight has fallen enough.
        wait = remaining + window * max(0.0, 1 - (limit.limit - 1) / count)
    elif previous:
        wait = remaining - (limit.limit - count - 1) * window / previous
    else:
        wait = 1
    return Verdict(
        allowed=allowed,
        count=math.ceil(estimate),
        retry_after=max(1, min(math.ceil(wait), 2 * window)),
    )


def _redis_client_of() -> Any:
    """django-redis's ``get_client`` (the raw redis-py client), None for other caches."""
    return getattr(getattr(cache, "client", None), "get_client", None)


def _incr_redis(
    key: str, amount: int, timeout: int, previous_key: str | None
) -> tuple[int, int] | None:
    """On Redis, one round trip: ``MULTI; SET key 0 NX EX timeout; INCRBY key amount;
    [GET previous_key;] EXEC`` (a new window's key always gets its expiry, atomically).
    None when the cache is not Redis.

    django-redis stores integers as plain numbers, so ``cache.get``/``peek`` read them.
    """
    client_of = _redis_client_of()
    if client_of is None:
        return None
    pipe = client_of(write=True).pipeline(transaction=True)
    full_key = cache.make_and_validate_key(key)
    pipe.set(full_key, 0, nx=True, ex=timeout)
    pipe.incrby(full_key, amount)
    if previous_key is not None:
        pipe.get(cache.make_and_validate_key(previous_key))
    replies = pipe.execute()
    previous = int(replies[2] or 0) if previous_key is not None else 0
    return int(replies[1]), previous


def peek(limit: Limit, identity: str) -> Verdict:
    """Whether one more event would be allowed, without counting it."""
    now = time.time()
    index = int(now) // limit.window
    key, previous_key = _key(limit, identity, index), _key(limit, identity, index - 1)
    try:
        count, previous = _read(key, previous_key)
    except REDIS_DOWN as exc:
        _redis_down(limit, exc)
        count, previous = _local.get(key), _local.get(previous_key)
    if not limit.sliding:
        verdict = Verdict(allowed=count < limit.limit, count=count, retry_after=_retry_after(limit))
    else:
        verdict = _sliding_verdict(limit, now, count, previous, counting=False)
    if not verdict.allowed:
        _exceeded(limit)
    return verdict


def _read(key: str, previous_key: str) -> tuple[int, int]:
    client_of = _redis_client_of()
    if client_of is None:
        return int(cache.get(key) or 0), int(cache.get(previous_key) or 0)
    replies = client_of(write=False).mget(
        [cache.make_and_validate_key(key), cache.make_and_validate_key(previous_key)]
    )
    return int(replies[0] or 0), int(replies[1] or 0)


def reset(limit: Limit, identity: str) -> None:
    index = int(time.time()) // limit.window
    keys = [_key(limit, identity, index), _key(limit, identity, index - 1)]
    _local.delete(keys)
    try:
        cache.delete_many(keys)
    except REDIS_DOWN as exc:  # pragma: no cover - the cache ignores its own errors
        _redis_down(limit, exc)


_last_warning = 0.0


def _redis_down(limit: Limit, exc: BaseException) -> None:
    """Log (at most every 10 s per process) that limits are counted locally."""
    global _last_warning  # noqa: PLW0603
    now = time.monotonic()
    if now - _last_warning >= 10:
        _last_warning = now
        logger.warning(
            "rate limit %s: Redis unreachable (%s); counting in this process until it answers",
            limit.scope,
            type(exc).__name__,
        )


class _LocalCounters:
    """Expiring counters in this process's memory: the fallback while Redis is down.
    Bounded: past ``max_keys`` the expired entries go, then the oldest."""

    def __init__(self, max_keys: int = 50_000) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float]] = {}
        self._max_keys = max_keys

    def incr(
        self, key: str, amount: int, timeout: int, previous_key: str | None
    ) -> tuple[int, int]:
        now = time.monotonic()
        with self._lock:
            count, expires = self._counts.get(key, (0, 0.0))
            if expires <= now:
                count, expires = 0, now + timeout
            count += amount
            self._counts[key] = (count, expires)
            if len(self._counts) > self._max_keys:
                self._trim(now)
            previous = self._get(previous_key, now) if previous_key else 0
        return count, previous

    def get(self, key: str) -> int:
        with self._lock:
            return self._get(key, time.monotonic())

    def delete(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._counts.pop(key, None)

    def _get(self, key: str, now: float) -> int:
        count, expires = self._counts.get(key, (0, 0.0))
        return count if expires > now else 0

    def _trim(self, now: float) -> None:
        for key in [k for k, (_, expires) in self._counts.items() if expires <= now]:
            del self._counts[key]
        while len(self._counts) > self._max_keys:
            del self._counts[next(iter(self._counts))]


_local = _LocalCounters()
