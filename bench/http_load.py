"""A small closed-loop HTTP load generator for the platform's benchmarks.

Runs on loopback only, bounded in time and requests, and stops by itself.

    python bench/http_load.py --base http://127.0.0.1:8000 --path /healthz --path / \
        --concurrency 32 --duration 10

Paths are alternated within one run (round-robin per request) so every target
sees the same machine conditions. Prints requests/s and latency percentiles per path.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections import defaultdict
from urllib.parse import urlsplit

import httpx

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


async def run(
    base: str, paths: list[str], concurrency: int, duration: float, max_requests: int
) -> int:
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    counter = 0
    deadline = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=10.0) as client:
        for path in paths:  # warm-up
            await client.get(path)

        async def worker() -> None:
            nonlocal counter
            while time.perf_counter() < deadline and counter < max_requests:
                path = paths[counter % len(paths)]
                counter += 1
                started = time.perf_counter()
                try:
                    response = await client.get(path)
                    ok = response.status_code < 400
                except httpx.HTTPError:
                    ok = False
                elapsed = (time.perf_counter() - started) * 1000
                if ok:
                    latencies[path].append(elapsed)
                else:
                    errors[path] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started

    print(
        f"{'path':<28}{'requests':>10}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
    )
    for path in paths:
        values = latencies[path]
        print(
            f"{path:<28}{len(values):>10}{len(values) / wall:>10.1f}"
            f"{percentile(values, 50):>9.1f}{percentile(values, 95):>9.1f}{percentile(values, 99):>9.1f}"
            f"{errors[path]:>8}"
        )
    if latencies:
        all_values = [v for values in latencies.values() for v in values]
        print(
            f"overall: {len(all_values) / wall:.1f} req/s, mean {statistics.mean(all_values):.1f} ms, "
            f"{wall:.1f} s, concurrency {concurrency}"
        )
    return 1 if any(errors.values()) else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument(
        "--path", action="append", dest="paths", help="repeatable; default /healthz"
    )
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds (at most 120)")
    parser.add_argument("--max-requests", type=int, default=200_000)
    args = parser.parse_args()
    host = urlsplit(args.base).hostname or ""
    if host not in LOOPBACK:
        parser.error("benchmarks target this machine only (127.0.0.1, localhost or ::1)")
    duration = min(args.duration, 120.0)
    return asyncio.run(
        run(args.base, args.paths or ["/healthz"], args.concurrency, duration, args.max_requests)
    )


if __name__ == "__main__":
    sys.exit(main())
