"""A readiness endpoint that checks everything at once."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    name: str
    probe: Callable[[], Awaitable[object]]  # passes if it returns without raising
    critical: bool = True
    timeout: float = 1.0  # seconds


async def run_checks(checks: Sequence[Check]) -> tuple[int, dict]:
    """Run every check concurrently and return (http_status, body)."""
    raise NotImplementedError
