"""API throughput and latency: REST vs GraphQL vs a framework-free floor, measured with wrk.

    .venv/bin/python bench/api_bench.py                 # 3 rounds x 10 s x 32 connections
    .venv/bin/python bench/api_bench.py --rounds 5 --duration 20 --workers 2 --port 8031

Two reads, each served three ways at the same SQL query count:

* ``outline``: the course outline (every module with its lessons):
  ``GET /api/v1/courses/<course>/`` (DRF), ``POST /graphql`` (graphene) and
  ``GET /bench/floor/outline/<course>/`` (a plain Django view on ``.values()``);
* ``quiz``: one module quiz's questions with their choices:
  ``GET /api/v1/quizzes/<quiz>/questions/``, ``POST /graphql``,
  ``GET /bench/floor/quiz/<quiz>/questions/``.

The floor views (apps/core/floor.py) exist only with ``BENCH_FLOOR_VIEWS=1``; the
distance between them and each API is what the API framework costs.

What the script does, in order:

1. builds a services-mode production environment of its own: PostgreSQL database
   ``backend_academy_bench`` (created when missing; psycopg 3's pool), Redis databases
   5 (cache, emptied at start) and 6 (broker), ``DJANGO_ENV=production``, throttling on
   with rates high enough not to refuse the run, ``LOG_LEVEL=WARNING``;
2. migrates and imports the content (``manage.py setup_site``; ``--skip-setup`` skips);
3. starts gunicorn with the project's config (config/gunicorn.py: uvicorn ASGI workers,
   ``--workers``, default 2) on ``--port`` and waits for ``/readyz``;
4. checks every variant answers 200 with the same JSON (REST == floor; GraphQL's
   ``data`` == REST), and counts each one's SQL queries in-process (Django's test client
   with the same environment);
5. runs wrk on loopback for every (endpoint x variant), alternating
   (REST, GraphQL, floor, REST, …) for ``--rounds`` rounds of ``--duration`` seconds at
   ``--connections`` connections, after a short unrecorded warm-up;
6. prints medians (req/s, p50, p90, p99, errors, and the gunicorn workers' own CPU
   time per request, read from /proc: less sensitive than req/s to other work on the
   machine, though not immune), the ratios REST/floor and GraphQL/REST against the
   targets, writes ``var/bench/api-<timestamp>.json`` and stops gunicorn (also on
   Ctrl-C).

``--profile outline:rest`` (repeatable) also records every worker with py-spy while
that target runs once more, into ``var/bench/`` (``--py-spy`` names the binary).

gunicorn's log goes to ``var/bench/api-<timestamp>-gunicorn.log``; it shows a few
``400 Bad Request: /graphql`` lines at the end of each GraphQL run, where wrk closes its
connections in the middle of requests (no client sees them; wrk counts none).

The load generator shares the machine with the server: on 2 cores, wrk's thread
(``--wrk-threads``, default 1) takes CPU the workers would otherwise have, so absolute
figures are lower than on a separate client; the ratios are what to compare.
The channel layer (``--redis-url``'s database; every key the servers write starts with
``REDIS_KEY_PREFIX=ba-bench``) is touched only by ``/readyz``'s probe, on a channel name of
its own.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "var" / "bench"
COURSE = "python-backend-engineering"
VARIANTS = ("rest", "graphql", "floor")
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}

OUTLINE_QUERY = (
    '{ course(slug: "%s") { slug title summary description_html '
    "modules { slug title summary completed total "
    "lessons { slug title summary reading_minutes url } } "
    "progress { completed total } } }"
)
QUIZ_QUERY = (
    '{ quiz_questions(slug: "%s") { id number type prompt_html points choices { id text_html } } }'
)

TARGETS = {
    "rest_floor_ratio": 0.5,  # REST >= 0.5 x the floor's req/s
    "graphql_rest_ratio": 0.5,  # GraphQL >= 0.5 x REST's req/s
    "p99_ms": 50.0,  # every variant's p99 below this at --connections
}


@dataclass
class Target:
    endpoint: str
    variant: str
    method: str
    path: str
    body: str | None = None
    results: list[dict[str, float]] = field(default_factory=list)
    fixed_rate: list[dict[str, float]] = field(default_factory=list)  # the open-loop phase
    queries: int | None = None

    @property
    def name(self) -> str:
        return f"{self.endpoint}:{self.variant}"


# --------------------------------------------------------------------------- environment
def child_env(args: argparse.Namespace) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "API_", "DB_POOL_"))
        and key not in {"SQLITE_PATH", "BIND", "WEB_CONCURRENCY", "LOG_LEVEL", "LOG_FORMAT"}
    }
    redis_base = urlsplit(args.redis_url)

    def redis_db(db: int) -> str:
        return urlunsplit((redis_base.scheme, redis_base.netloc, f"/{db}", "", ""))

    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_ENV": "production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "REDIS_KEY_PREFIX": "ba-bench",
            "REDIS_CACHE_URL": redis_db(args.cache_db),
            "CELERY_BROKER_URL": redis_db(args.broker_db),
            "CELERY_RESULT_BACKEND": redis_db(args.broker_db),
            # Throttling stays on (its cache round trips are part of the cost) with a
            # 1-second window: DRF keeps one timestamp per request in the window.
            "API_THROTTLE_ANON": args.throttle_rate,
            "API_THROTTLE_USER": args.throttle_rate,
            "API_METRICS_PUBLIC": "0",
            "BENCH_FLOOR_VIEWS": "1",
            "LOG_LEVEL": "WARNING",
            "WEB_CONCURRENCY": str(args.workers),
            "BIND": f"127.0.0.1:{args.port}",
            "GUNICORN_MAX_REQUESTS": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if args.http_threads:
        env["HTTP_THREADS"] = str(args.http_threads)
    return env


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"unexpected database name {name!r}")
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}", file=sys.stderr)


def empty_cache(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def manage(env: dict[str, str], *command: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *command],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


# --------------------------------------------------------------------------- server
def port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn does
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def niced(command: list[str], nice: int) -> list[str]:
    return ["nice", "-n", str(nice), *command] if nice else command


def start_server(env: dict[str, str], log_path: Path, nice: int) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = log_path.open("ab")
    # A session of its own: a Ctrl-C in the terminal reaches this script only, which
    # then stops gunicorn gracefully. nice(1) execs gunicorn: the pid is gunicorn's.
    return subprocess.Popen(
        niced([str(gunicorn), "-c", "config/gunicorn.py", "config.asgi:application"], nice),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)  # gunicorn: graceful shutdown of the workers
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def worker_pids(master: int) -> list[int]:
    try:
        text = Path(f"/proc/{master}/task/{master}/children").read_text()
    except OSError:
        return []
    return [int(pid) for pid in text.split()]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def http(base: str, target: Target, timeout: float = 10) -> tuple[int, Any]:
    data = target.body.encode() if target.body is not None else None
    request = urllib.request.Request(base + target.path, data=data, method=target.method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            return exc.code, json.loads(body)
        except ValueError:
            return exc.code, body[:300]


def wait_ready(base: str, proc: subprocess.Popen[bytes], log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited ({proc.returncode}); see {log_path}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(base + "/readyz", timeout=5) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.3)
    raise SystemExit(f"/readyz did not answer 200 within {timeout:.0f} s; see {log_path}")


# --------------------------------------------------------------------------- targets
def pick_quiz(base: str) -> str:
    """The first module quiz whose questions are public (untimed, not drawn)."""
    status, body = http(
        base, Target("", "", "GET", "/api/v1/quizzes/?kind=module&ordering=position&limit=200")
    )
    if status != 200:
        raise SystemExit(f"GET /api/v1/quizzes/ answered {status}: {body}")
    for quiz in body["results"]:
        probe = Target("", "", "GET", f"/api/v1/quizzes/{quiz['slug']}/questions/")
        if http(base, probe)[0] == 200:
            return str(quiz["slug"])
    raise SystemExit("no module quiz has public questions")


def build_targets(course: str, quiz: str) -> list[Target]:
    def gql(query: str) -> str:
        return json.dumps({"query": query})

    return [
        Target("outline", "rest", "GET", f"/api/v1/courses/{course}/"),
        Target("outline", "graphql", "POST", "/graphql", gql(OUTLINE_QUERY % course)),
        Target("outline", "floor", "GET", f"/bench/floor/outline/{course}/"),
        Target("quiz", "rest", "GET", f"/api/v1/quizzes/{quiz}/questions/"),
        Target("quiz", "graphql", "POST", "/graphql", gql(QUIZ_QUERY % quiz)),
        Target("quiz", "floor", "GET", f"/bench/floor/quiz/{quiz}/questions/"),
    ]


def agrees(target: Target, body: Any, rest: Any) -> bool:
    """The floor answers exactly REST's body; GraphQL's ``data`` holds the same values."""
    if target.variant == "floor":
        return bool(body == rest)
    if not isinstance(body, dict) or body.get("errors") or not body.get("data"):
        return False
    if target.endpoint == "outline":
        return bool(body["data"]["course"] == rest)
    return bool(body["data"]["quiz_questions"] == rest["results"])


def verify(base: str, targets: list[Target]) -> None:
    """Every variant answers 200, and with the same data as REST."""
    reference: dict[str, Any] = {}
    problems = []
    for target in sorted(targets, key=lambda t: t.variant != "rest"):
        status, body = http(base, target)
        if status != 200:
            problems.append(f"{target.name}: HTTP {status}: {str(body)[:300]}")
        elif target.variant == "rest":
            reference[target.endpoint] = body
        elif target.endpoint in reference and not agrees(target, body, reference[target.endpoint]):
            problems.append(f"{target.name}: answer differs from REST's: {str(body)[:300]}")
    if problems:
        raise SystemExit("variants do not agree:\n  " + "\n  ".join(problems))


_COUNT_SCRIPT = """
import json, sys
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client(HTTP_HOST="127.0.0.1")
out = {}
for name, method, path, body in json.loads(sys.argv[-1]):
    for _ in range(2):  # the second request: warm per-process caches do not count
        with CaptureQueriesContext(connection) as queries:
            if method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, data=body, content_type="application/json")
    out[name] = [response.status_code, len(queries.captured_queries)]
print("COUNTS " + json.dumps(out))
"""


def count_queries(env: dict[str, str], targets: list[Target]) -> None:
    spec = json.dumps([[t.name, t.method, t.path, t.body] for t in targets])
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + _COUNT_SCRIPT, spec],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    match = re.search(r"^COUNTS (.*)$", done.stdout, re.MULTILINE)
    if done.returncode or not match:
        raise SystemExit(f"counting queries failed:\n{done.stdout}{done.stderr}")
    for target in targets:
        status, count = json.loads(match.group(1))[target.name]
        if status != 200:
            raise SystemExit(f"{target.name}: HTTP {status} in-process")
        target.queries = count


# --------------------------------------------------------------------------- wrk
def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(text)
    return float(match.group(1)) * _UNITS[match.group(2)]


def lua_script(target: Target, directory: Path) -> Path:
    path = directory / f"{target.endpoint}-{target.variant}.lua"
    body = target.body or ""
    if "]==]" in body:
        raise ValueError("request body cannot be quoted for Lua")
    path.write_text(
        f'wrk.method = "{target.method}"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = [==[{body}]==]\n"
    )
    return path


def wrk(
    base: str, target: Target, args: argparse.Namespace, scripts: Path, seconds: float
) -> dict[str, float]:
    command = [
        "wrk",
        f"-t{args.wrk_threads}",
        f"-c{args.connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "--latency",
    ]
    if target.method != "GET":
        command += ["-s", str(lua_script(target, scripts))]
    out = subprocess.run(
        niced([*command, base + target.path], args.nice),
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    if not found or not total:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    result = {"rps": float(found.group(1)), "requests": float(total.group(1))}
    for pct in ("50", "75", "90", "99"):
        latency = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.MULTILINE)
        result[f"p{pct}"] = _ms(latency.group(1)) if latency else float("nan")
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    result["non2xx"] = float(errors.group(1)) if errors else 0.0
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    result["socket_errors"] = float(sum(map(int, sockets.groups()))) if sockets else 0.0
    return result


def profile(
    base: str,
    target: Target,
    args: argparse.Namespace,
    scripts: Path,
    master: int,
    stamp: str,
) -> list[Path]:
    """Run ``target`` once more with py-spy recording every worker (raw collapsed stacks)."""
    py_spy = shutil.which(args.py_spy) or args.py_spy
    recorders = []
    outputs = []
    for pid in worker_pids(master):
        out = OUT_DIR / f"profile-{stamp}-{target.endpoint}-{target.variant}-{pid}.txt"
        recorders.append(
            subprocess.Popen(
                [py_spy, "record", "--pid", str(pid), "--duration", str(round(args.duration)),
                 "--rate", "200", "--format", "raw", "--gil", "--output", str(out)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )  # fmt: skip
        outputs.append(out)
    time.sleep(0.5)
    result = wrk(base, target, args, scripts, args.duration)
    for recorder in recorders:
        recorder.wait(timeout=args.duration + 60)
    print(
        f"profiled {target.name} ({result['rps']:.0f} req/s): {len(outputs)} files", file=sys.stderr
    )
    return outputs


# --------------------------------------------------------------------------- report
def medians(target: Target) -> dict[str, float]:
    keys = ("rps", "p50", "p75", "p90", "p99", "worker_cpu_ms")
    summary = {key: statistics.median(r[key] for r in target.results) for key in keys}
    summary["rps_min"] = min(r["rps"] for r in target.results)
    summary["rps_max"] = max(r["rps"] for r in target.results)
    summary["p99_max"] = max(r["p99"] for r in target.results)
    summary["non2xx"] = sum(r["non2xx"] for r in target.results)
    summary["socket_errors"] = sum(r["socket_errors"] for r in target.results)
    summary["loadavg_1m_max"] = max(r.get("loadavg_1m", 0.0) for r in target.results)
    return summary


def report(targets: list[Target], args: argparse.Namespace, load_before: float) -> dict[str, Any]:
    summary = {t.name: medians(t) for t in targets}
    print()
    print(
        f"{'endpoint':<9}{'variant':<9}{'req/s':>8}{'(min-max)':>14}{'p50 ms':>8}{'p90 ms':>8}"
        f"{'p99 ms':>8}{'errors':>8}{'SQL':>5}{'CPU ms/req':>12}"
    )
    for t in targets:
        s = summary[t.name]
        spread = f"{s['rps_min']:.0f}-{s['rps_max']:.0f}"
        print(
            f"{t.endpoint:<9}{t.variant:<9}{s['rps']:>8.0f}{spread:>14}{s['p50']:>8.1f}"
            f"{s['p90']:>8.1f}{s['p99']:>8.1f}{int(s['non2xx'] + s['socket_errors']):>8}"
            f"{t.queries if t.queries is not None else '-':>5}{s['worker_cpu_ms']:>12.2f}"
        )
    ratios: dict[str, Any] = {}
    print()
    for endpoint in dict.fromkeys(t.endpoint for t in targets):
        rps = {t.variant: summary[t.name]["rps"] for t in targets if t.endpoint == endpoint}
        p99 = {t.variant: summary[t.name]["p99"] for t in targets if t.endpoint == endpoint}
        cpu = {
            t.variant: summary[t.name]["worker_cpu_ms"] for t in targets if t.endpoint == endpoint
        }
        r: dict[str, Any] = {"p99_met": {v: p99[v] < TARGETS["p99_ms"] for v in p99}}
        line = [f"{endpoint:<9}"]
        for key, (top, bottom) in {
            "rest_floor": ("rest", "floor"),
            "graphql_rest": ("graphql", "rest"),
        }.items():
            if top in rps and bottom in rps:
                ratio = rps[top] / rps[bottom]
                met = ratio >= TARGETS[f"{key}_ratio"]
                by_cpu = cpu[bottom] / cpu[top] if cpu[top] else float("nan")
                r[key], r[f"{key}_met"] = round(ratio, 3), met
                r[f"{key}_by_worker_cpu"] = round(by_cpu, 3)
                label = "REST/floor" if key == "rest_floor" else "GraphQL/REST"
                line.append(
                    f"{label} {int(ratio * 100) / 100:.2f} (target >= {TARGETS[f'{key}_ratio']}: "
                    f"{'met' if met else 'MISSED'}; by worker CPU {by_cpu:.2f})   "
                )
        ratios[endpoint] = r
        print("".join(line).rstrip())
        print(
            f"{'':<9}p99 < {TARGETS['p99_ms']:.0f} ms: "
            + ", ".join(f"{v} {'met' if ok else 'MISSED'}" for v, ok in r["p99_met"].items())
        )
    if any(t.fixed_rate for t in targets):
        print(
            f"\nat a fixed offered load of {args.rate:.0f} req/s over {args.connections} "
            "connections (open loop; latency from each request's scheduled time):"
        )
        print(
            f"{'endpoint':<9}{'variant':<9}{'p50 ms':>8}{'p90 ms':>8}{'p99 ms':>8}"
            f"{'max ms':>8}{'errors':>8}  p99 < {TARGETS['p99_ms']:.0f} ms"
        )
        for t in targets:
            if not t.fixed_rate:
                continue
            fixed = {
                key: statistics.median(r[key] for r in t.fixed_rate)
                for key in ("p50", "p90", "p99", "max")
            }
            fixed["errors"] = sum(r["errors"] for r in t.fixed_rate)
            fixed["p99_met"] = fixed["p99"] < TARGETS["p99_ms"]
            summary[t.name]["fixed_rate"] = fixed
            print(
                f"{t.endpoint:<9}{t.variant:<9}{fixed['p50']:>8.1f}{fixed['p90']:>8.1f}"
                f"{fixed['p99']:>8.1f}{fixed['max']:>8.1f}{int(fixed['errors']):>8}  "
                f"{'met' if fixed['p99_met'] else 'MISSED'}"
            )
    print(
        f"\n(median of {args.rounds} alternating rounds of {args.duration:.0f} s, "
        f"{args.connections} connections, wrk -t{args.wrk_threads} on the same "
        f"{os.cpu_count()}-CPU machine, gunicorn with {args.workers} uvicorn workers; "
        f"1-min load average {load_before:.1f} before the run, up to "
        f"{max(s['loadavg_1m_max'] for s in summary.values()):.1f} during it with the "
        "benchmark's own processes"
        + (f"; gunicorn and wrk at nice {args.nice})" if args.nice else ")")
    )
    return {"summary": summary, "ratios": ratios}


# --------------------------------------------------------------------------- open loop
async def _open_loop(
    host: str, port: int, target: Target, rate: float, connections: int, duration: float
) -> dict[str, float]:
    """``rate`` requests per second spread over ``connections`` keep-alive connections,
    each sent at its scheduled time whatever the server is doing; a request's latency
    runs from its *scheduled* time to the end of its response, so a request that waits
    for a busy connection counts that wait (no coordinated omission)."""
    import asyncio

    body = (target.body or "").encode()
    head = (
        f"{target.method} {target.path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Accept: application/json\r\n"
        + (f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n" if body else "")
        + "\r\n"
    ).encode()
    request = head + body
    total = int(rate * duration)
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2
    latencies: list[float] = []
    errors = 0

    async def connection(index: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for n in range(index, total, connections):
                due = start + n / rate
                delay = due - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                writer.write(request)
                status_line = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                    elif name.lower() == "transfer-encoding":
                        raise RuntimeError("chunked responses are not supported here")
                await reader.readexactly(length)
                if b" 200 " not in status_line:
                    errors += 1
                latencies.append((loop.time() - due) * 1000)
        finally:
            writer.close()

    await asyncio.gather(*(connection(i) for i in range(connections)))
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    return {
        "rate": rate,
        "requests": float(len(latencies)),
        "p50": pct(0.50),
        "p90": pct(0.90),
        "p99": pct(0.99),
        "max": latencies[-1],
        "errors": float(errors),
    }


def open_loop(base: str, target: Target, rate: float, connections: int, duration: float) -> Any:
    import asyncio

    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    return asyncio.run(_open_loop(host, port, target, rate, connections, duration))


# --------------------------------------------------------------------------- main
def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8031)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--http-threads", type=int, default=0, help="HTTP_THREADS (0: default)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=3.0, help="unrecorded seconds per target")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--only", action="append", choices=["outline", "quiz"], help="endpoint")
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help="comma-separated subset of rest,graphql,floor",
    )
    parser.add_argument("--quiz", help="quiz slug (default: the first module quiz)")
    parser.add_argument("--course", default=COURSE)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/backend_academy_bench"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--cache-db", type=int, default=5, help="Redis database of the cache")
    parser.add_argument("--broker-db", type=int, default=6, help="Redis database of the broker")
    parser.add_argument("--throttle-rate", default="1000000/s")
    parser.add_argument(
        "--rate",
        type=float,
        default=100.0,
        help="offered load (req/s) of the open-loop latency phase over --connections; 0: skip",
    )
    parser.add_argument("--skip-setup", action="store_true", help="no migrate / content import")
    parser.add_argument("--profile", action="append", default=[], metavar="ENDPOINT:VARIANT")
    parser.add_argument("--py-spy", default="py-spy")
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="run gunicorn and wrk at this niceness (negative: ahead of other work; root)",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        parser.error("wrk is not installed: apt-get install wrk")
    if not 1 <= args.rounds <= 20 or not 1 <= args.duration <= 120:
        parser.error("--rounds 1-20, --duration 1-120 s")
    args.variants = [v for v in VARIANTS if v in args.variants.split(",")]
    if "rest" not in args.variants:
        parser.error("--variants must include rest (the reference answer)")
    if (urlsplit(args.database_url).hostname or "") not in {"127.0.0.1", "localhost", "::1"}:
        parser.error("the benchmark's database must be on this machine")
    return args


def main() -> int:
    args = parse_args()
    # Ctrl-C and SIGTERM both stop gunicorn cleanly (SIGINT too when started with it ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    base = f"http://127.0.0.1:{args.port}"
    if not port_free(args.port):
        raise SystemExit(f"port {args.port} is in use (--port)")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    env = child_env(args)
    log_path = OUT_DIR / f"api-{stamp}-gunicorn.log"
    if not args.skip_setup:
        print("setting up the benchmark database (migrate, content import)…", file=sys.stderr)
        ensure_database(args.database_url)
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "setup_site", "--verbosity", "0")
    empty_cache(env["REDIS_CACHE_URL"])
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1) * 0.5:
        print(
            f"warning: load average {load:.1f} before the run: figures will be low", file=sys.stderr
        )

    from tqdm import tqdm

    server = start_server(env, log_path, args.nice)
    try:
        wait_ready(base, server, log_path, timeout=60)
        quiz = args.quiz or pick_quiz(base)
        targets = [
            t
            for t in build_targets(args.course, quiz)
            if t.endpoint in (args.only or [t.endpoint]) and t.variant in args.variants
        ]
        verify(base, targets)
        count_queries(env, targets)
        counts = {t.name: t.queries for t in targets}
        print(f"quiz {quiz}; same answers; SQL queries per request: {counts}", file=sys.stderr)
        workers = worker_pids(server.pid)
        with tempfile.TemporaryDirectory(prefix="api-bench-") as tmp:
            scripts = Path(tmp)
            for target in tqdm(targets, desc="warm-up", file=sys.stderr, leave=False):
                if args.warmup > 0:
                    wrk(base, target, args, scripts, args.warmup)
            bar = tqdm(total=args.rounds * len(targets), desc="measuring", file=sys.stderr)
            for round_no in range(1, args.rounds + 1):
                for target in targets:
                    bar.set_description(f"round {round_no}/{args.rounds} {target.name}")
                    cpu_before = cpu_seconds(workers)
                    result = wrk(base, target, args, scripts, args.duration)
                    # The workers' own CPU per request: what the variant costs the server,
                    # whatever else the machine is doing (PostgreSQL and Redis not included).
                    result["worker_cpu_ms"] = (
                        (cpu_seconds(workers) - cpu_before) * 1000 / max(1.0, result["requests"])
                    )
                    result["loadavg_1m"] = os.getloadavg()[0]  # others' work skews a run
                    target.results.append(result)
                    bar.set_postfix(rps=f"{result['rps']:.0f}", p99=f"{result['p99']:.0f}ms")
                    bar.update()
            bar.close()
            if args.rate > 0:
                bar = tqdm(total=args.rounds * len(targets), desc="open loop", file=sys.stderr)
                for round_no in range(1, args.rounds + 1):
                    for target in targets:
                        bar.set_description(f"open loop {round_no}/{args.rounds} {target.name}")
                        fixed = open_loop(base, target, args.rate, args.connections, args.duration)
                        target.fixed_rate.append(fixed)
                        bar.set_postfix(p99=f"{fixed['p99']:.0f}ms")
                        bar.update()
                bar.close()
            profiles = []
            for name in args.profile:
                chosen = next((t for t in targets if t.name == name), None)
                if chosen is None:
                    raise SystemExit(f"--profile {name}: no such target")
                profiles += profile(base, chosen, args, scripts, server.pid, stamp)
        outcome = report(targets, args, load)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping gunicorn", file=sys.stderr)
        return 130
    finally:
        stop_server(server)

    result_path = OUT_DIR / f"api-{stamp}.json"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    result_path.write_text(
        json.dumps(
            {
                "timestamp": stamp,
                "commit": commit,
                "command": " ".join(["python", "bench/api_bench.py", *sys.argv[1:]]),
                "machine": {
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                    "load_generator": f"wrk -t{args.wrk_threads} on the same machine (loopback)",
                    "loadavg_1m_before": load,
                },
                "server": {
                    "gunicorn_workers": args.workers,
                    "worker_pids": workers,
                    "http_threads": args.http_threads or "default",
                    "throttle_rate": args.throttle_rate,
                    "nice": args.nice,
                },
                "settings": {
                    "rounds": args.rounds,
                    "duration_s": args.duration,
                    "warmup_s": args.warmup,
                    "connections": args.connections,
                    "open_loop_rate": args.rate,
                },
                "quiz": quiz,
                "targets": TARGETS,
                "requests": {
                    t.name: {
                        "method": t.method,
                        "path": t.path,
                        "body": t.body,
                        "sql_queries": t.queries,
                        "rounds": t.results,
                        "fixed_rate_rounds": t.fixed_rate,
                    }
                    for t in targets
                },
                **outcome,
                "profiles": [str(p.relative_to(ROOT)) for p in profiles],
            },
            indent=2,
        )
        + "\n"
    )
    print(f"results: {result_path.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
