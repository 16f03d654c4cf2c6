"""An in-process cache with expiry and LRU eviction."""

import time
from collections.abc import Callable, Hashable
from typing import Any


class TTLCache:
    """Bounded cache: entries expire after `ttl` seconds, LRU entries are evicted first."""

    def __init__(self, max_size: int, ttl: float, *, clock: Callable[[], float] = time.monotonic):
        self.max_size = max_size
        self.ttl = ttl
        self.clock = clock
        self.hits = 0
        self.misses = 0
        self._data: dict = {}

    # A first draft: a plain dict. Nothing expires and nothing is ever evicted.
    def get(self, key: Hashable, default: Any = None) -> Any:
        if key in self._data:
            self.hits += 1
            return self._data[key]
        self.misses += 1
        return default

    def set(self, key: Hashable, value: Any, ttl: float | None = None) -> None:
        self._data[key] = value

    def delete(self, key: Hashable) -> bool:
        return self._data.pop(key, None) is not None

    def get_or_set(self, key: Hashable, loader: Callable[[], Any]) -> Any:
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self._data)
