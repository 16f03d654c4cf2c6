"""A DataLoader that batches GraphQL resolvers."""

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class DataLoader(Generic[K, V]):
    """Batch and cache per-key loads made in the same event-loop turn."""

    def __init__(
        self,
        batch_load: Callable[[list[K]], Awaitable[Sequence[V]]],
        *,
        max_batch_size: int = 100,
    ):
        if max_batch_size < 1:
            raise ValueError("max_batch_size must be at least 1")
        self.batch_load = batch_load
        self.max_batch_size = max_batch_size
        self._cache: dict[K, asyncio.Future] = {}
        self._queue: list[K] = []
        self._scheduled = False
        self._tasks: set[asyncio.Task] = set()  # keep strong references to running batches

    async def load(self, key: K) -> V:
        future = self._cache.get(key)
        if future is None:
            loop = asyncio.get_running_loop()
            future = loop.create_future()
            self._cache[key] = future
            self._queue.append(key)
            if not self._scheduled:
                self._scheduled = True
                loop.call_soon(self._dispatch)
        # shield: a cancelled caller must not cancel the future other callers share
        return await asyncio.shield(future)

    async def load_many(self, keys: Iterable[K]) -> list[V]:
        return list(await asyncio.gather(*(self.load(key) for key in keys)))

    def clear(self, key: K) -> None:
        self._cache.pop(key, None)

    def _dispatch(self) -> None:
        keys, self._queue, self._scheduled = self._queue, [], False
        for start in range(0, len(keys), self.max_batch_size):
            chunk = keys[start : start + self.max_batch_size]
            futures = [self._cache[key] for key in chunk]
            task = asyncio.get_running_loop().create_task(self._run(chunk, futures))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run(self, keys: list[K], futures: list[asyncio.Future]) -> None:
        try:
            values = await self.batch_load(list(keys))
            if len(values) != len(keys):
                raise ValueError(f"batch_load returned {len(values)} values for {len(keys)} keys")
        except Exception as exc:
            for key, future in zip(keys, futures):
                if self._cache.get(key) is future:
                    del self._cache[key]  # failures are not cached
                if not future.done():
                    future.set_exception(exc)
                    future.exception()  # mark retrieved: waiters may all be gone
            return
        for future, value in zip(futures, values):
            if not future.done():
                future.set_result(value)
