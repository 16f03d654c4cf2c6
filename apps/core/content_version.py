"""One number that changes whenever published content changes.

Cached pages and fragments put it in their keys, so bumping it invalidates them
all at once (old entries simply expire). Bumped by content services on commit.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction

KEY = "content-version"


def current() -> int:
    value = cache.get(KEY)
    if value is None:
        value = int(time.time() * 1000)
        cache.add(KEY, value, timeout=None)
        value = cache.get(KEY, value)
    return int(value)


def bump() -> None:
    """Invalidate cached content once the current transaction commits."""

    def _bump() -> None:
        cache.set(KEY, max(current() + 1, int(time.time() * 1000)), timeout=None)

    transaction.on_commit(_bump)
