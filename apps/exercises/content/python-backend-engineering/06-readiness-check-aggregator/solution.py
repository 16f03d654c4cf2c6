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


async def _run_one(check: Check) -> dict:
    error = None
    start = time.perf_counter()
    try:
        async with asyncio.timeout(check.timeout):
            await check.probe()
    except TimeoutError:
        status = "timeout"
    except Exception as exc:  # report the class only: messages can leak hosts
        status, error = "fail", type(exc).__name__
    else:
        status = "ok"
    result = {
        "status": status,
        "critical": check.critical,
        "latency_ms": round((time.perf_counter() - start) * 1000, 1),
    }
    if error is not None:
        result["error"] = error
    return result


async def run_checks(checks: Sequence[Check]) -> tuple[int, dict]:
    """Run every check concurrently and return (http_status, body)."""
    names = [check.name for check in checks]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate check names: {names!r}")
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(_run_one(check)) for check in checks]
    results = {check.name: task.result() for check, task in zip(checks, tasks)}

    failed = [r for r in results.values() if r["status"] != "ok"]
    if any(r["critical"] for r in failed):
        return 503, {"status": "unavailable", "checks": results}
    if failed:
        return 200, {"status": "degraded", "checks": results}
    return 200, {"status": "ok", "checks": results}
