"""An in-process cache with expiry and LRU eviction."""

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

_MISSING = object()


class TTLCache:
    """Bounded cache: entries expire after `ttl` seconds, LRU entries are evicted first."""

    def __init__(self, max_size: int, ttl: float, *, clock: Callable[[], float] = time.monotonic):
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        self.max_size = max_size
        self.ttl = ttl
        self.clock = clock
        self.hits = 0
        self.misses = 0
        self._data: OrderedDict[Hashable, tuple[Any, float]] = OrderedDict()  # key -> (value, expires_at)

    def _live(self, key: Hashable, now: float) -> Any:
        entry = self._data.get(key)
        if entry is None:
            return _MISSING
        value, expires_at = entry
        if now >= expires_at:
            del self._data[key]
            return _MISSING
        return value

    def get(self, key: Hashable, default: Any = None) -> Any:
        value = self._live(key, self.clock())
        if value is _MISSING:
            self.misses += 1
            return default
        self.hits += 1
        self._data.move_to_end(key)
        return value

    def set(self, key: Hashable, value: Any, ttl: float | None = None) -> None:
        now = self.clock()
        if key not in self._data and len(self._data) >= self.max_size:
            for stale in [k for k, (_, exp) in self._data.items() if now >= exp]:
                del self._data[stale]
            if len(self._data) >= self.max_size:
                self._data.popitem(last=False)  # least recently used
        self._data[key] = (value, now + (self.ttl if ttl is None else ttl))
        self._data.move_to_end(key)

    def delete(self, key: Hashable) -> bool:
        live = self._live(key, self.clock()) is not _MISSING
        self._data.pop(key, None)
        return live

    def get_or_set(self, key: Hashable, loader: Callable[[], Any]) -> Any:
        value = self._live(key, self.clock())
        if value is not _MISSING:
            self.hits += 1
            self._data.move_to_end(key)
            return value
        self.misses += 1
        value = loader()
        self.set(key, value)
        return value

    def __len__(self) -> int:
        now = self.clock()
        return sum(1 for _, exp in self._data.values() if now < exp)
