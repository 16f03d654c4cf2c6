"""Concurrent fetches with per-call timeouts."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Outcome:
    key: str
    ok: bool
    value: Any = None
    error: str | None = None


async def fetch_all(
    keys: Sequence[str],
    fetch: Callable[[str], Awaitable[Any]],
    *,
    timeout: float,
    limit: int = 10,
) -> list[Outcome]:
    """Fetch every key concurrently; return one Outcome per key, in order."""
    slots = asyncio.Semaphore(limit)

    async def one(key: str) -> Outcome:
        async with slots:  # the deadline starts once we hold a slot
            try:
                async with asyncio.timeout(timeout):
                    value = await fetch(key)
            except TimeoutError:
                return Outcome(key, ok=False, error="timeout")
            except Exception as exc:  # CancelledError is not an Exception
                return Outcome(key, ok=False, error=type(exc).__name__)
            return Outcome(key, ok=True, value=value)

    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(one(key)) for key in keys]
    return [task.result() for task in tasks]
