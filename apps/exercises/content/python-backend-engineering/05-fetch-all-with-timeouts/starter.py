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
    # Right answers, wrong shape: each call waits for the previous one.
    outcomes = []
    for key in keys:
        try:
            value = await asyncio.wait_for(fetch(key), timeout)
        except TimeoutError:
            outcomes.append(Outcome(key, ok=False, error="timeout"))
        except Exception as exc:
            outcomes.append(Outcome(key, ok=False, error=type(exc).__name__))
        else:
            outcomes.append(Outcome(key, ok=True, value=value))
    return outcomes
