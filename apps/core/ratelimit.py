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
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache


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
    counted = _incr_redis(key, amount, timeout, previous_key)
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
        return Verdict(allowed=count <= limit.limit, count=count, retry_after=_retry_after(limit))
    return _sliding_verdict(limit, now, count, previous, counting=True)


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


def _incr_redis(
    key: str, amount: int, timeout: int, previous_key: str | None
) -> tuple[int, int] | None:
    """On Redis, one round trip: ``MULTI; SET key 0 NX EX timeout; INCRBY key amount;
    [GET previous_key;] EXEC`` (a new window's key always gets its expiry, atomically).
    None when the cache is not Redis.

    django-redis stores integers as plain numbers, so ``cache.get``/``peek`` read them.
    """
    client_of = getattr(getattr(cache, "client", None), "get_client", None)
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
    count = int(cache.get(_key(limit, identity, index)) or 0)
    if not limit.sliding:
        return Verdict(allowed=count < limit.limit, count=count, retry_after=_retry_after(limit))
    previous = int(cache.get(_key(limit, identity, index - 1)) or 0)
    return _sliding_verdict(limit, now, count, previous, counting=False)


def reset(limit: Limit, identity: str) -> None:
    index = int(time.time()) // limit.window
    cache.delete_many([_key(limit, identity, index), _key(limit, identity, index - 1)])
