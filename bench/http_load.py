"""HTTP throughput and latency of the platform's pages, measured with wrk.

    python bench/http_load.py --base http://127.0.0.1:8000 --path /healthz --path / \
        --concurrency 32 --duration 5 --rounds 3

The paths are measured in alternation (A, B, C, A, B, C, …) so each sees the same
machine conditions; the report gives each path's median over the rounds.
Targets this machine only, bounded in time. Needs wrk (``apt-get install wrk``):
a Python client cannot generate enough load to measure a server on 2 cores.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not match:
        raise ValueError(text)
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(url: str, concurrency: int, duration: float) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, int(duration))}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 30,
    ).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}  # type: ignore[union-attr]
    for pct in ("50", "90", "99"):
        result[f"p{pct}"] = _ms(re.search(rf"\s{pct}%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    result["errors"] = float(errors.group(1)) if errors else 0.0
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--path", action="append", dest="paths", help="repeatable")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if (urlsplit(args.base).hostname or "") not in LOOPBACK:
        parser.error("benchmarks target this machine only (127.0.0.1, localhost or ::1)")
    if not shutil.which("wrk"):
        parser.error("wrk is not installed: apt-get install wrk")
    paths = args.paths or ["/healthz"]
    runs: dict[str, list[dict[str, float]]] = {path: [] for path in paths}
    for round_no in range(1, min(args.rounds, 10) + 1):
        for path in paths:
            runs[path].append(wrk(args.base + path, args.concurrency, min(args.duration, 60)))
            print(f"round {round_no}: {path} done", file=sys.stderr)
    print(f"{'path':<32}{'req/s':>10}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for path, results in runs.items():
        med = {key: statistics.median(r[key] for r in results) for key in results[0]}
        print(
            f"{path:<32}{med['rps']:>10.0f}{med['p50']:>9.1f}{med['p90']:>9.1f}{med['p99']:>9.1f}"
            f"{int(sum(r['errors'] for r in results)):>8}"
        )
    print(
        f"(median of {len(next(iter(runs.values())))} rounds, {args.concurrency} connections, wrk)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
