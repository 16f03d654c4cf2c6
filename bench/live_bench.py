"""Live sessions under load: N websocket players in one session, the platform vs a floor.

    .venv/bin/python bench/live_bench.py                       # the full run (~20-30 min)
    .venv/bin/python bench/live_bench.py --ns 100,500 --targets platform-1 --no-search
    .venv/bin/python bench/live_bench.py --ns 500 --targets platform-2 --profile

Targets: ``platform-1`` / ``platform-2`` are the site in services mode with
``DJANGO_ENV=production`` (gunicorn with the project's config/gunicorn.py and uvicorn
ASGI workers, 1 or 2 of them; with 2 the players split across the processes and every
broadcast goes through channels-redis), PostgreSQL and Redis. ``floor`` is
bench/floor_ws.py: the same protocol and the same frames from a bare `websockets`
server, without Django, a channel layer or a database. ``channels-1`` / ``channels-2`` is
bench/floor_channels.py: a minimal Channels application on channels-redis that INSERTs
each answer into PostgreSQL before acknowledging it, under the same gunicorn worker class:
the least a Channels app can spend per answer, the yardstick for server CPU.

One measurement ("run") of a target at N players:

1. a fresh session (platform: ``services.session_create`` by an instructor and N
   ``services.player_join``, each player's credentials in a Django session as the join
   page leaves them) and a fresh server process;
2. the RSS of the server process(es) is read, N players connect from ``--clients``
   load-generator processes (multiprocessing, each with its own asyncio loop on
   uvloop, `websockets` clients sending ``Cookie`` and ``Origin`` as a browser does)
   and the RSS is read again: (after - before) / N is the memory per connection;
3. the host (this process) plays ``--questions`` questions: ``start``/``next``; every
   player answers once at a random moment 0-0.5 s after it received the question
   (``--think``: the burst a quick, easy question produces) with a unique key; the
   host reveals when every answer is acknowledged (or just before the deadline); then
   ``end``;
4. each client records when every public event arrived (``time.time()``, the machine's
   one clock) and follows ``seq``: a gap is counted as a lost message and repaired with
   ``sync``, as the pages do. Broadcast latency is the question event's arrival minus
   its ``timing.server_now`` (when the server built the frame); action latency is an
   event's arrival minus the moment the host sent the action. Ack latency is
   ``ack`` arrival minus the answer's send time;
5. at the end the acknowledged keys are compared with the ``LiveAnswer`` rows (an acked
   answer missing from the database is a lost answer).

For each target the script runs N = ``--ns`` (the table) and searches upward through
``--ladder`` for the largest N whose question-delivered p95 (the host's next -> the
player's socket) stays within
``--p95-limit`` ms, stopping at the first failure or when the load generator itself
falls behind (its event-loop lag p99 over ``--lag-limit`` ms, or players that could not
connect). The floor at 2 x N shows the load generator can drive twice the load.

Results: a table on stdout, ``var/bench/live-<timestamp>.json``, servers' logs next to
it. The load generator shares the machine (2 cores here) with the server, PostgreSQL
and Redis. Deadlines: the servers close questions with their in-process timers (no
Celery worker runs; the host reveals before the deadline anyway).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing as mp
import os
import platform
import queue as queue_module
import random
import re
import resource
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "var" / "bench"
TARGETS = {  # issue 17's goals (the burst: every player answers 0-0.5 s after the question)
    "ack_p99_ms_at_500": 200.0,
    "delivered_p95_ms_at_1500": 250.0,
    "next_to_first_player_ms_at_100": 20.0,
    "cpu_vs_channels_floor": 3.0,
    "platform_vs_floor_largest_n": 0.25,
}

# --------------------------------------------------------------------------- environment


def child_env(args: argparse.Namespace, port: int, workers: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "DB_POOL_", "LIVE_"))
        and key not in {"SQLITE_PATH", "BIND", "WEB_CONCURRENCY", "LOG_LEVEL", "LOG_FORMAT"}
    }
    base = urlsplit(args.redis_url)

    def redis_db(db: int) -> str:
        return urlunsplit((base.scheme, base.netloc, f"/{db}", "", ""))

    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=args.secret_key,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,  # the channel layer's database
        REDIS_KEY_PREFIX="ba-bench",
        REDIS_CACHE_URL=redis_db(args.cache_db),
        CELERY_BROKER_URL=redis_db(args.broker_db),
        CELERY_RESULT_BACKEND=redis_db(args.broker_db),
        LIVE_MAX_PLAYERS=str(max(10000, max(args.ladder + args.ns) * 2)),
        LOG_LEVEL="WARNING",
        WEB_CONCURRENCY=str(workers),
        BIND=f"127.0.0.1:{port}",
        GUNICORN_MAX_REQUESTS="0",
        PYTHONUNBUFFERED="1",
    )
    env.update(dict(item.split("=", 1) for item in args.server_env))
    return env


def raise_nofile(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(max(soft, wanted), hard) if hard != resource.RLIM_INFINITY else max(soft, wanted)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"unexpected database name {name!r}")
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            log(f"created database {name}")


def manage(env: dict[str, str], *command: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *command],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- a session

_PREPARE = r"""
import json, sys, time
import django
django.setup()
from datetime import timedelta
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, Group
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string
from apps.accounts.models import User
from apps.live import selectors, services
from apps.live.models import LiveSession
from apps.quizzes.models import Quiz

spec = json.loads(sys.argv[-1])
n, questions = spec["players"], spec["questions"]
cache.clear()  # the benchmark's own cache database: hosting limits start afresh
host, _ = User.objects.get_or_create(username="livebench-host",
                                     defaults={"email": "livebench@example.com"})
host.groups.add(Group.objects.get(name="instructor"))
LiveSession.objects.filter(host=host).delete()  # earlier runs (cascades)
Session.objects.filter(session_key__startswith="lb").delete()
quiz = next(q for q in Quiz.objects.filter(status="published", module__isnull=False)
            .order_by("slug") if q.questions.filter(retired=False).count() >= questions)
session = services.session_create(host=host, quiz_slug=quiz.slug,
                                   seconds_per_question=spec["seconds"])
web = Client()
web.force_login(host)
started = time.monotonic()
players = []
for i in range(n):
    joined = services.player_join(session_id=session.pk, user=AnonymousUser(),
                                  nickname=f"Bench {i}")
    players.append((joined.player.pk, joined.secret))
join_s = time.monotonic() - started
# Each player's browser session as the join page leaves it (bulk: setup, not measured).
expires = timezone.now() + timedelta(days=1)
rows, cookies = [], []
for pk, secret in players:
    key = "lb" + get_random_string(30, "abcdefghijklmnopqrstuvwxyz0123456789")
    data = SessionStore().encode({"live": {session.code: {"player": pk, "secret": secret}}})
    rows.append(Session(session_key=key, session_data=data, expire_date=expires))
    cookies.append(key)
Session.objects.bulk_create(rows, batch_size=1000)
session.refresh_from_db()
frames = {"questions": [], "closed": []}
for index in range(questions):
    frames["questions"].append(selectors.question_public(session, index))
    frames["closed"].append({
        "reveal": selectors.question_reveal(session, index),
        "distribution": {"answered": n, "correct": n // 2,
                         "counts": {str(i): n // 4 for i in range(4)}},
        "leaderboard": [{"rank": r, "player": players[0][0] + r, "nickname": f"Bench {r}",
                         "score": 9000 - r * 100, "streak": 3} for r in range(1, 11)],
        "players": n,
    })
print("PREPARED " + json.dumps({
    "session": session.pk, "code": session.code, "quiz": quiz.slug,
    "host_cookie": web.cookies["sessionid"].value, "cookies": cookies,
    "join_seconds": round(join_s, 2), "frames": frames,
}))
"""


def prepare(env: dict[str, str], players: int, args: argparse.Namespace) -> dict[str, Any]:
    spec = json.dumps(
        {"players": players, "questions": args.questions, "seconds": args.seconds_per_question}
    )
    done = subprocess.run(
        [sys.executable, "-c", _PREPARE, spec],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    match = re.search(r"^PREPARED (.*)$", done.stdout, re.MULTILINE)
    if done.returncode or not match:
        raise SystemExit(
            f"preparing the session failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return dict(json.loads(match.group(1)))


def answer_rows(database_url: str, session_id: int | None) -> set[str]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        if session_id is None:  # the Channels floor's table
            return {row[0] for row in conn.execute("SELECT key FROM bench_floor_answer")}
        rows = conn.execute("SELECT key FROM live_liveanswer WHERE session_id = %s", [session_id])
        return {row[0] for row in rows}


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    kind: str
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        """The processes that hold the websockets: gunicorn's workers, or the floor."""
        if self.kind == "floor":
            return [self.proc.pid]  # gunicorn's workers otherwise (platform, channels)
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)


def start_platform(env: dict[str, str], port: int, log_path: Path, config: str) -> Server:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with log_path.open("ab") as log_file:
        proc = subprocess.Popen(
            # No control socket: gunicorn 27 puts one at a fixed path, shared with any
            # other gunicorn on the machine.
            [
                str(gunicorn),
                "--no-control-socket",
                "--backlog",
                "4096",
                "-c",
                config,
                "config.asgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server("platform", proc, port, log_path)


def start_floor(port: int, frames_path: Path, args: argparse.Namespace, log_path: Path) -> Server:
    with log_path.open("ab") as log_file:
        proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "bench" / "floor_ws.py"),
                "--port",
                str(port),
                "--frames",
                str(frames_path),
                "--compression",
                args.floor_compression,
                "--seconds-per-question",
                str(args.seconds_per_question),
            ],
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server("floor", proc, port, log_path)


def start_channels(
    env: dict[str, str], port: int, workers: int, frames_path: Path, log_path: Path
) -> Server:
    """bench/floor_channels.py under gunicorn with the platform's worker class."""
    import floor_channels  # bench/ is on sys.path when this script runs

    floor_channels.reset(env["DATABASE_URL"], env["REDIS_URL"])
    gunicorn = Path(sys.executable).with_name("gunicorn")
    child = {k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"}
    child.update(
        FLOOR_FRAMES=str(frames_path),
        FLOOR_SECONDS_PER_QUESTION=env.get("BENCH_SECONDS_PER_QUESTION", "15"),
        PYTHONPATH=str(ROOT),
    )
    with log_path.open("ab") as log_file:
        proc = subprocess.Popen(
            [
                str(gunicorn),
                "--no-control-socket",
                "--backlog",
                "4096",
                "--workers",
                str(workers),
                "--worker-class",
                "config.workers.Worker",
                "--bind",
                f"127.0.0.1:{port}",
                "bench.floor_channels:application",
            ],
            cwd=ROOT,
            env=child,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server("channels", proc, port, log_path)


def wait_ready(server: Server, workers: int = 1, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    path = "/readyz" if server.kind == "platform" else None
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise SystemExit(
                f"{server.kind} exited ({server.proc.returncode}); see {server.log_path}"
            )
        if server.kind == "channels":
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", server.port), 1),
            ):
                sizes = [rss_kib([pid]) for pid in server.pids()]
                if len(sizes) == workers and min(sizes) > 0.8 * max(sizes):
                    time.sleep(1.5)  # every worker listening, not only the first
                    return
        elif path is None:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", server.port), 1),
            ):
                return
        else:
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(server.http + path, timeout=5) as r,
            ):
                # Every worker booted (Django loaded), not just the one that answered:
                # a worker still importing accepts no connections.
                sizes = [rss_kib([pid]) for pid in server.pids()]
                if r.status == 200 and len(sizes) == workers and min(sizes) > 0.8 * max(sizes):
                    time.sleep(1.0)
                    return
        time.sleep(0.3)
    raise SystemExit(f"{server.kind} not ready within {timeout:.0f} s; see {server.log_path}")


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def connections_per_pid(port: int, pids: list[int]) -> dict[int, int]:
    """Established sockets on ``port`` per server process (from ``ss``)."""
    try:
        out = subprocess.run(
            ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        ).stdout
    except OSError:
        return {}
    counts = {pid: 0 for pid in pids}
    for pid_text in re.findall(r"pid=(\d+)", out):
        pid = int(pid_text)
        if pid in counts:
            counts[pid] += 1
    return counts


# --------------------------------------------------------------------------- load generator


def pick_response(question: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    kind = question.get("type")
    choices = [c["id"] for c in question.get("choices", [])]
    if kind == "single_choice" and choices:
        return {"choice": rng.choice(choices)}
    if kind == "multiple_choice" and choices:
        return {"choices": rng.sample(choices, k=rng.randint(1, len(choices)))}
    if kind == "ordering" and choices:
        return {"order": rng.sample(choices, k=len(choices))}
    if kind == "true_false":
        return {"value": rng.random() < 0.5}
    if kind == "numeric":
        return {"value": str(rng.randint(0, 100))}
    return {"text": rng.choice(["select_related", "prefetch_related", "an index", "no idea"])}


class Stats:
    """What one load-generator process saw (shipped to the parent at the end)."""

    def __init__(self) -> None:
        self.connected = 0
        self.failed = 0
        self.connect_errors: list[str] = []
        self.arrivals: dict[int, list[float]] = {}  # seq -> arrival times
        self.server_now: dict[int, float] = {}  # seq -> the frame's timing.server_now (s)
        self.kinds: dict[int, str] = {}
        self.sizes: dict[str, int] = {}
        self.gaps = 0
        self.syncs = 0
        self.sent = 0
        self.acks: list[str] = []
        self.ack_ms: list[float] = []
        self.acked_by_index: dict[int, int] = {}
        self.refused: dict[str, int] = {}
        self.lag_ms: list[float] = []
        self.finished = 0
        self.dropped = 0  # connections that closed before the end

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


async def play(
    url: str,
    origin: str,
    cookie: str | None,
    stats: Stats,
    rng: random.Random,
    think: tuple[float, float],
    compression: str | None,
    connected: asyncio.Event,
    done: asyncio.Event,
) -> None:
    import websockets

    headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
    ws = None
    for attempt in range(4):
        try:
            ws = await websockets.connect(
                url,
                origin=origin,
                additional_headers=headers,
                proxy=None,  # type: ignore[arg-type]
                compression=compression,
                open_timeout=60,
                ping_interval=None,
                max_size=2**20,
            )
            break
        except Exception as exc:  # refused, reset, timed out: back off and retry
            if attempt == 3:
                stats.failed += 1
                stats.connect_errors.append(repr(exc)[:200])
                connected.set()
                return
            await asyncio.sleep(0.5 * 2**attempt + rng.random())
    assert ws is not None
    seq: int | None = None
    answered: set[int] = set()
    pending: dict[str, float] = {}
    loop = asyncio.get_running_loop()

    async def answer(index: int, question: dict[str, Any], delay: float) -> None:
        await asyncio.sleep(delay)
        key = secrets.token_hex(12)
        frame = {
            "type": "answer",
            "index": index,
            "response": pick_response(question, rng),
            "key": key,
        }
        pending[key] = time.time()
        stats.sent += 1
        with contextlib.suppress(Exception):
            await ws.send(json.dumps(frame))

    def schedule(index: int, question: dict[str, Any]) -> None:
        if index in answered:
            return
        answered.add(index)
        task = loop.create_task(answer(index, question, rng.uniform(*think)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    tasks: set[asyncio.Task[None]] = set()
    current_question: dict[int, dict[str, Any]] = {}
    try:
        async for raw in ws:
            now = time.time()
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "state":
                if seq is None:
                    stats.connected += 1
                    connected.set()
                else:
                    stats.syncs += 1
                seq = frame["seq"]
                state = frame.get("state", {})
                if state.get("status") == "question" and state.get("index") in current_question:
                    schedule(state["index"], current_question[state["index"]])
            elif kind == "event":
                number = frame["seq"]
                if seq is not None and number <= seq:
                    continue
                if seq is not None and number > seq + 1:
                    stats.gaps += number - seq - 1
                    seq = number  # accept this one; the state fills in the rest
                    await ws.send('{"type":"sync"}')
                else:
                    seq = number
                stats.arrivals.setdefault(number, []).append(now)
                event = frame.get("event")
                if number not in stats.kinds:
                    stats.kinds[number] = str(event)
                    stats.sizes.setdefault(str(event), len(raw))
                    timing = frame.get("timing") or {}
                    if "server_now" in timing:
                        stats.server_now[number] = timing["server_now"] / 1000
                if event == "question":
                    current_question[frame["index"]] = frame["question"]
                    schedule(frame["index"], frame["question"])
                elif event == "ended" and cookie is None:
                    break  # the floor has no "final" frame
            elif kind == "ack":
                sent_at = pending.pop(frame.get("ref"), None)
                if sent_at is not None:
                    stats.ack_ms.append((now - sent_at) * 1000)
                    stats.acks.append(frame["ref"])
                    index = int(frame.get("index", -1))
                    stats.acked_by_index[index] = stats.acked_by_index.get(index, 0) + 1
            elif kind == "error":
                code = str(frame.get("code"))
                stats.refused[code] = stats.refused.get(code, 0) + 1
                pending.pop(frame.get("ref"), None)
            elif kind == "final":
                break
        else:
            stats.dropped += 1
    except Exception:  # the server went away
        stats.dropped += 1
    finally:
        stats.finished += 1
        for task in tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.close(), 5)
        done.set()


async def loadgen(
    index: int,
    url: str,
    origin: str,
    cookies: list[str | None],
    args_dict: dict[str, Any],
    out: Any,
    stop: Any,
) -> None:
    stats = Stats()
    rng = random.Random(index * 7919 + len(cookies))
    think = (args_dict["think_min"], args_dict["think_max"])
    compression = None if args_dict["compression"] == "none" else "deflate"

    async def lag_monitor() -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.05)
            stats.lag_ms.append((time.perf_counter() - started - 0.05) * 1000)

    monitor = asyncio.create_task(lag_monitor())
    gate = asyncio.Semaphore(args_dict["connect_concurrency"])
    tasks = []

    async def one(cookie: str | None) -> None:
        connected, done = asyncio.Event(), asyncio.Event()
        async with gate:
            task = asyncio.create_task(
                play(url, origin, cookie, stats, rng, think, compression, connected, done)
            )
            tasks.append(task)
            await asyncio.wait(
                [asyncio.create_task(connected.wait()), asyncio.create_task(done.wait())],
                return_when=asyncio.FIRST_COMPLETED,
            )

    opening = asyncio.gather(*(one(cookie) for cookie in cookies))
    while not opening.done():
        out.put(("progress", index, stats.connected, stats.failed))
        await asyncio.sleep(0.5)
    await opening
    out.put(("connected", index, stats.connected, stats.failed))
    stats.lag_ms.clear()  # the game's lag only, not the connection storm's
    while stats.finished < len(cookies) and not stop.is_set():
        out.put(("acks", index, dict(stats.acked_by_index)))
        await asyncio.sleep(0.25)
    monitor.cancel()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    out.put(("done", index, stats.as_dict()))


def loadgen_process(*job: Any) -> None:
    raise_nofile(len(job[3]) + 256)
    try:
        import uvloop
    except ImportError:
        asyncio.run(loadgen(*job))
    else:
        uvloop.run(loadgen(*job))


# --------------------------------------------------------------------------- one run


async def host_game(
    url: str,
    origin: str,
    cookie: str | None,
    questions: int,
    players: int,
    acked: Callable[[int], int],
    deadline_s: float,
) -> dict[str, Any]:
    """Play the game as the host: the moment each action was sent, per event seq."""
    import websockets

    headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
    ws = await websockets.connect(
        url,
        origin=origin,
        additional_headers=headers,
        proxy=None,  # type: ignore[arg-type]
        open_timeout=60,
        ping_interval=None,
        max_size=2**22,
    )
    sent: dict[int, float] = {}  # seq -> when the action causing it was sent
    kinds: dict[int, str] = {}
    frames: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def reader() -> None:
        async for raw in ws:
            await frames.put(json.loads(raw))

    read_task = asyncio.create_task(reader())

    async def until(predicate: Any, timeout: float = 120) -> dict[str, Any]:
        end = time.monotonic() + timeout
        while True:
            frame = await asyncio.wait_for(frames.get(), max(end - time.monotonic(), 0.01))
            if frame.get("type") == "event":
                kinds[frame["seq"]] = frame["event"]
            if predicate(frame):
                return frame

    await until(lambda f: f["type"] == "state")

    async def act(action: str, expect: str | tuple[str, ...]) -> list[dict[str, Any]]:
        expected = (expect,) if isinstance(expect, str) else expect
        at = time.time()
        await ws.send(json.dumps({"type": action}))
        got = []
        for name in expected:
            event = await until(lambda f, n=name: f.get("type") == "event" and f["event"] == n)
            sent[event["seq"]] = at
            got.append(event)
        return got

    for index in range(questions):
        (opened,) = await act("start" if index == 0 else "next", "question")
        limit = opened["timing"]["remaining_ms"] / 1000
        end = time.monotonic() + min(limit - deadline_s, limit)
        while time.monotonic() < end:
            if acked(index) >= players:
                break
            await asyncio.sleep(0.05)
        await act("reveal", "closed")
        await asyncio.sleep(1.0)  # the results screen
    await act("end", "ended")
    read_task.cancel()
    await ws.close()
    return {"sent": sent, "kinds": kinds}


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "max": None}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)], 1)

    return {
        "n": len(ordered),
        "p50": at(0.50),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": round(ordered[-1], 1),
    }


@dataclass
class Run:
    target: str
    players: int
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.result.get("passed"))


def run_once(target: str, n: int, args: argparse.Namespace, stamp: str) -> Run:
    run = Run(target, n)
    kind, _, workers_text = target.partition("-")
    workers = int(workers_text or 1)
    port = free_port()
    env = child_env(args, port, workers)
    log_path = OUT_DIR / f"live-{stamp}-{target}.log"
    load_before = os.getloadavg()
    started = time.monotonic()
    prepared = prepare(env, n, args) if kind == "platform" else None
    if prepared is None:
        frames_path = OUT_DIR / f"live-{stamp}-frames.json"
        if not frames_path.exists():
            reference = prepare(env, 1, args)
            frames_path.write_text(json.dumps(reference["frames"]))
        if kind == "channels":
            env["BENCH_SECONDS_PER_QUESTION"] = str(args.seconds_per_question)
            server = start_channels(env, port, workers, frames_path, log_path)
        else:
            server = start_floor(port, frames_path, args, log_path)
        code, cookies, host_cookie = "FLOORX", [None] * n, None
    else:
        server = start_platform(env, port, log_path, args.gunicorn_config)
        code, cookies, host_cookie = prepared["code"], prepared["cookies"], prepared["host_cookie"]
    try:
        wait_ready(server, workers)
        pids = server.pids()
        time.sleep(0.5)
        rss_before = rss_kib(pids)
        ws_base = f"ws://127.0.0.1:{port}/ws/live/{code}"
        origin = server.http
        ctx = mp.get_context("fork")
        out: Any = ctx.Queue()
        stop = ctx.Event()
        shares = [cookies[i :: args.clients] for i in range(args.clients)]
        job_args = {
            "think_min": args.think[0],
            "think_max": args.think[1],
            "compression": args.compression,
            "connect_concurrency": args.connect_concurrency,
        }
        procs = [
            ctx.Process(
                target=loadgen_process,
                args=(i, f"{ws_base}/play/", origin, share, job_args, out, stop),
                daemon=True,
            )
            for i, share in enumerate(shares)
            if share
        ]
        t0 = time.monotonic()
        for proc in procs:
            proc.start()
        progress = {i: (0, 0) for i in range(len(procs))}
        ready: set[int] = set()
        last_print = 0.0
        while len(ready) < len(procs):
            try:
                message = out.get(timeout=1)
            except queue_module.Empty:
                if time.monotonic() - t0 > args.connect_timeout:
                    raise SystemExit(f"{target} N={n}: players not connected in time") from None
                continue
            if message[0] in {"progress", "connected"}:
                progress[message[1]] = (message[2], message[3])
                if message[0] == "connected":
                    ready.add(message[1])
            if time.monotonic() - last_print > 2:
                ok = sum(p[0] for p in progress.values())
                bad = sum(p[1] for p in progress.values())
                log(f"  {target} N={n}: {ok}/{n} connected, {bad} failed")
                last_print = time.monotonic()
        connect_s = time.monotonic() - t0
        connected = sum(p[0] for p in progress.values())
        failed = sum(p[1] for p in progress.values())
        time.sleep(1.0)
        rss_after = rss_kib(pids)
        split = connections_per_pid(port, pids)
        log(
            f"  {target} N={n}: {connected} connected in {connect_s:.1f} s, {failed} failed; "
            f"RSS {rss_before // 1024} -> {rss_after // 1024} MiB; split {list(split.values())}"
        )

        acked: dict[int, dict[int, int]] = {}
        results: dict[int, dict[str, Any]] = {}

        def poll() -> None:
            while True:
                try:
                    message = out.get_nowait()
                except queue_module.Empty:
                    return
                if message[0] == "acks":
                    acked[message[1]] = message[2]
                elif message[0] == "done":
                    results[message[1]] = message[2]

        def acked_count(index: int) -> int:
            poll()
            return sum(per.get(index, 0) for per in acked.values())

        cpu_before = cpu_seconds(pids)
        game_t0 = time.monotonic()
        profilers = start_profilers(args, pids, stamp, target, n) if args.profile else []
        host = asyncio.run(
            host_game(
                f"{ws_base}/host/",
                origin,
                host_cookie,
                args.questions,
                connected,
                acked_count,
                args.reveal_margin,
            )
        )
        game_s = time.monotonic() - game_t0
        cpu_used = cpu_seconds(pids) - cpu_before
        stop_profilers(profilers)
        end = time.monotonic() + 30
        while len(results) < len(procs) and time.monotonic() < end:
            poll()
            time.sleep(0.1)
        stop.set()
        end = time.monotonic() + 15
        while len(results) < len(procs) and time.monotonic() < end:
            poll()
            time.sleep(0.1)
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
        if prepared:
            rows: set[str] | None = answer_rows(args.database_url, prepared["session"])
        elif kind == "channels":
            rows = answer_rows(args.database_url, None)
        else:
            rows = None
        run.result = summarise(
            target,
            n,
            args,
            host,
            list(results.values()),
            rows,
            extra={
                "workers": workers if kind != "floor" else 1,
                "connected": connected,
                "connect_failed": failed,
                "connect_seconds": round(connect_s, 1),
                "rss_before_kib": rss_before,
                "rss_after_kib": rss_after,
                "rss_per_connection_kib": round((rss_after - rss_before) / max(connected, 1), 1),
                "connections_per_process": list(split.values()),
                "server_cpu_seconds_in_game": round(cpu_used, 2),
                # The whole game's server CPU over players x questions: each round is a
                # question delivered, an answer stored and acknowledged, a reveal.
                "cpu_ms_per_player_round": round(
                    cpu_used * 1000 / max(connected * args.questions, 1), 2
                ),
                "game_seconds": round(game_s, 1),
                "loadavg_before": [round(x, 2) for x in load_before],
                "join_seconds": prepared["join_seconds"] if prepared else None,
                "run_seconds": round(time.monotonic() - started, 1),
            },
        )
    finally:
        server.stop()
    return run


def summarise(
    target: str,
    n: int,
    args: argparse.Namespace,
    host: dict[str, Any],
    results: list[dict[str, Any]],
    rows: set[str] | None,
    extra: dict[str, Any],
) -> dict[str, Any]:
    sent: dict[int, float] = host["sent"]
    kinds: dict[int, str] = host["kinds"]
    fanout, question_action, closed_action = [], [], []
    first_player: dict[int, float] = {}  # question seq -> the host's action -> first screen
    per_event: dict[int, list[float]] = {}
    missing = 0
    acks: list[str] = []
    ack_ms: list[float] = []
    lag: list[float] = []
    sizes: dict[str, int] = {}
    gaps = syncs = sent_answers = dropped = 0
    refused: dict[str, int] = {}
    for stats in results:
        arrivals = {int(k): v for k, v in stats["arrivals"].items()}
        server_now = {int(k): v for k, v in stats["server_now"].items()}
        for seq, kind in kinds.items():
            times = arrivals.get(seq, [])
            if kind in {"question", "closed", "ended"}:
                missing += stats["connected"] - len(times)
            if kind == "question":
                if seq in server_now:
                    fanout += [(t - server_now[seq]) * 1000 for t in times]
                    per_event.setdefault(seq, []).extend(
                        (t - server_now[seq]) * 1000 for t in times
                    )
                question_action += [(t - sent[seq]) * 1000 for t in times]
                if times:
                    first = (min(times) - sent[seq]) * 1000
                    first_player[seq] = min(first_player.get(seq, first), first)
            elif kind == "closed":
                closed_action += [(t - sent[seq]) * 1000 for t in times]
        acks += stats["acks"]
        ack_ms += stats["ack_ms"]
        lag += stats["lag_ms"]
        gaps += stats["gaps"]
        syncs += stats["syncs"]
        sent_answers += stats["sent"]
        dropped += stats["dropped"]
        sizes.update(stats["sizes"])
        for code, count in stats["refused"].items():
            refused[code] = refused.get(code, 0) + count
    lost_answers = len(set(acks) - rows) if rows is not None else 0
    broadcast = percentiles(fanout)
    delivered = percentiles(question_action)
    loadgen_lag = percentiles(lag)
    keeps_up = (loadgen_lag["p99"] or 0) <= args.lag_limit and extra["connect_failed"] == 0
    passed = (
        keeps_up
        and delivered["p95"] is not None
        and delivered["p95"] <= args.p95_limit
        and missing == 0
        and lost_answers == 0
    )
    return {
        "target": target,
        "players": n,
        **extra,
        "broadcast_ms": broadcast,
        "question_action_ms": delivered,
        "next_to_first_player_ms": [round(first_player[s], 1) for s in sorted(first_player)],
        "closed_action_ms": percentiles(closed_action),
        "ack_ms": percentiles(ack_ms),
        "answers_sent": sent_answers,
        "answers_acked": len(acks),
        "answers_refused": refused,
        "answers_lost": lost_answers,
        "answer_rows": len(rows) if rows is not None else None,
        "messages_lost_gaps": gaps,
        "events_missing": missing,
        "resyncs": syncs,
        "dropped_connections": dropped,
        "frame_bytes": sizes,
        "broadcast_ms_per_question": [
            {"seq": seq, **percentiles(values)} for seq, values in sorted(per_event.items())
        ],
        "loadgen_lag_ms": loadgen_lag,
        "loadgen_kept_up": keeps_up,
        "passed": passed,
    }


def start_profilers(
    args: argparse.Namespace, pids: list[int], stamp: str, target: str, n: int
) -> list[subprocess.Popen[bytes]]:
    procs = []
    for pid in pids:
        out = OUT_DIR / f"live-{stamp}-{target}-{n}-{pid}.txt"  # collapsed stacks
        procs.append(
            subprocess.Popen(
                [
                    args.py_spy,
                    "record",
                    "--pid",
                    str(pid),
                    "--rate",
                    "97",
                    "--idle",
                    "--threads",
                    "--format",
                    "raw",
                    "-o",
                    str(out),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    return procs


def stop_profilers(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.send_signal(signal.SIGINT)
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=60)


# --------------------------------------------------------------------------- report


def row(result: dict[str, Any]) -> str:
    b, a, q, c = (
        result[k] for k in ("broadcast_ms", "ack_ms", "question_action_ms", "closed_action_ms")
    )

    def f(value: float | None) -> str:
        return "-" if value is None else f"{value:.0f}"

    firsts = result.get("next_to_first_player_ms") or []
    first = sorted(firsts)[len(firsts) // 2] if firsts else None
    return (
        f"| {result['target']} | {result['players']} | {f(q['p50'])} | {f(q['p95'])} | "
        f"{f(q['p99'])} | {f(first)} | {f(a['p50'])} | {f(a['p95'])} | {f(a['p99'])} | "
        f"{result.get('cpu_ms_per_player_round', 0):.2f} | {f(b['p95'])} | {f(c['p95'])} | "
        f"{result['messages_lost_gaps']}/{result['events_missing']} | "
        f"{result['answers_lost']}/{result['answers_acked']} | "
        f"{result['rss_per_connection_kib']:.0f} | {f(result['loadgen_lag_ms']['p99'])} | "
        f"{'yes' if result['passed'] else 'no'} |"
    )


HEADER = (
    "| target | N | delivered p50 | p95 | p99 | next -> 1st player | ack p50 | ack p95 | "
    "ack p99 | CPU ms / player-round | bcast p95 | closed p95 | msgs lost (gaps/missing) | "
    "answers lost/acked | KiB/conn | loadgen lag p99 | pass |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
    "---: | ---: | ---: | ---: | --- |"
)


def report(runs: list[Run], args: argparse.Namespace, stamp: str) -> dict[str, Any]:
    results = [r.result for r in runs if r.result]
    print("\nAll latencies in ms. delivered = the host sends next -> the question on every")
    print("player's socket; next -> 1st player = the same to the first player (median of the")
    print("questions); ack = answer sent -> ack; bcast = the frame's server_now -> every")
    print("player; closed = the host sends reveal -> every player.\n")
    print(HEADER)
    for result in sorted(results, key=lambda r: (r["target"], r["players"])):
        print(row(result))
    largest: dict[str, int] = {}
    for result in results:
        if result["passed"]:
            largest[result["target"]] = max(largest.get(result["target"], 0), result["players"])
    limits = {r["target"]: r for r in results}
    verdicts: dict[str, Any] = {}
    platform_runs = [r for r in results if r["target"].startswith("platform")]
    for result in platform_runs:
        name, n = result["target"], result["players"]
        if n == 500:
            verdicts[f"{name} answer -> ack p99 at 500 <= 200 ms"] = (
                result["ack_ms"]["p99"],
                (result["ack_ms"]["p99"] or 1e9) <= TARGETS["ack_p99_ms_at_500"],
            )
        if n == 1500:
            p95 = result["question_action_ms"]["p95"]
            verdicts[f"{name} question delivered p95 at 1500 <= 250 ms"] = (
                p95,
                (p95 or 1e9) <= TARGETS["delivered_p95_ms_at_1500"],
            )
        if n == 100:
            firsts = result.get("next_to_first_player_ms") or [1e9]
            verdicts[f"{name} next -> first player at 100 < 20 ms (worst question)"] = (
                max(firsts),
                max(firsts) < TARGETS["next_to_first_player_ms_at_100"],
            )
        floor = next(
            (r for r in results if r["target"].startswith("channels") and r["players"] == n),
            None,
        )
        if floor and floor.get("cpu_ms_per_player_round"):
            ratio = result["cpu_ms_per_player_round"] / floor["cpu_ms_per_player_round"]
            verdicts[f"{name} CPU per player-round at {n} within 3x the Channels floor's"] = (
                round(ratio, 2),
                ratio <= TARGETS["cpu_vs_channels_floor"],
            )
    floor_n = largest.get("floor", 0)
    for target in sorted(t for t in limits if t.startswith("platform")):
        ratio = largest.get(target, 0) / floor_n if floor_n else None
        verdicts[f"{target} largest N / floor's >= 0.25"] = (
            None if ratio is None else round(ratio, 3),
            ratio is not None and ratio >= TARGETS["platform_vs_floor_largest_n"],
        )
    lost = sum(r["answers_lost"] for r in results)
    gaps = sum(r["messages_lost_gaps"] + r["events_missing"] for r in results)
    verdicts["answers lost == 0"] = (lost, lost == 0)
    verdicts["messages lost == 0"] = (gaps, gaps == 0)
    doubled = [
        (r["players"], r["passed"], r["loadgen_kept_up"]) for r in results if r["target"] == "floor"
    ]
    print(f"\nlargest N with broadcast p95 <= {args.p95_limit:.0f} ms: {largest}")
    print(f"load generator at the floor (N, passed, kept up): {sorted(doubled)}")
    for name, (value, ok) in verdicts.items():
        print(f"  {'MET ' if ok else 'MISS'} {name}: {value}")
    return {
        "stamp": stamp,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "settings": {k: v for k, v in vars(args).items() if k != "secret_key"},
        "targets": TARGETS,
        "largest_n": largest,
        "verdicts": {k: {"value": v, "met": ok} for k, (v, ok) in verdicts.items()},
        "runs": results,
    }


# --------------------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )

    def ints(text: str) -> list[int]:
        return [int(x) for x in text.split(",") if x]

    parser.add_argument("--targets", default="floor,channels-2,platform-2")
    parser.add_argument("--ns", type=ints, default=[100, 500, 1000, 1500], help="the table's N")
    parser.add_argument(
        "--ladder", type=ints, default=[100, 250, 500, 1000, 1500, 2000, 3000, 4000, 5000]
    )
    parser.add_argument("--no-search", action="store_true", help="only --ns (and 2N at the floor)")
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--seconds-per-question", type=int, default=15)
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=[0.0, 0.5],
        metavar=("MIN", "MAX"),
        help="each player answers this many seconds after the question arrives (uniform); "
        "the default is the burst a quick, easy question produces",
    )
    parser.add_argument(
        "--reveal-margin",
        type=float,
        default=1.0,
        help="the host reveals this long before the deadline at the latest",
    )
    parser.add_argument("--clients", type=int, default=2, help="load-generator processes")
    parser.add_argument("--connect-concurrency", type=int, default=100, help="per process")
    parser.add_argument("--connect-timeout", type=float, default=300)
    parser.add_argument(
        "--compression",
        choices=["deflate", "none"],
        default="deflate",
        help="what the clients offer: permessage-deflate, as browsers do, or none",
    )
    parser.add_argument(
        "--floor-compression",
        choices=["deflate", "none"],
        default="none",
        help="what the floor accepts: none, as config/workers.py (ws_per_message_deflate off)",
    )
    parser.add_argument("--p95-limit", type=float, default=250.0)
    parser.add_argument(
        "--lag-limit",
        type=float,
        default=100.0,
        help="load generator loop lag p99 (ms) above which it fell behind",
    )
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/backend_academy_livebench"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--cache-db", type=int, default=3, help="Redis database of the cache")
    parser.add_argument("--broker-db", type=int, default=6, help="Redis database of the broker")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the platform (e.g. CHANNELS_CAPACITY=5000)",
    )
    parser.add_argument("--skip-setup", action="store_true", help="no migrate / content import")
    parser.add_argument(
        "--gunicorn-config", default="config/gunicorn.py", help="gunicorn -c for the platform"
    )
    parser.add_argument(
        "--reuse",
        action="append",
        default=[],
        metavar="JSON",
        help="also report the other targets' runs from an earlier var/bench/live-*.json",
    )
    parser.add_argument("--profile", action="store_true", help="py-spy record the workers")
    parser.add_argument("--py-spy", default=os.environ.get("PY_SPY", "py-spy"))
    args = parser.parse_args()
    args.targets = [t for t in args.targets.split(",") if t]
    args.secret_key = secrets.token_urlsafe(64)
    return args


def plan(target: str, args: argparse.Namespace) -> list[int]:
    wanted = set(args.ns)
    if target == "floor":
        wanted |= {2 * n for n in args.ns}
    if args.no_search:
        return sorted(wanted)
    return sorted(wanted | set(args.ladder))


def main() -> int:
    args = parse_args()
    limit = raise_nofile(max(args.ladder + args.ns) * 4 + 1024)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log(f"open files limit {limit}; results in var/bench/live-{stamp}.json")
    env = child_env(args, 0, 1)
    if not args.skip_setup:
        ensure_database(args.database_url)
        log("migrate + setup_site")
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "setup_site", "--verbosity", "0")
    runs: list[Run] = []
    for earlier in args.reuse:  # targets measured by an earlier run (e.g. the floor)
        for result in json.loads(Path(earlier).read_text())["runs"]:
            if result["target"] not in args.targets:
                runs.append(Run(result["target"], result["players"], result))
    interrupted = False
    try:
        for target in args.targets:
            failed_search = False
            for n in plan(target, args):
                must = n in args.ns or (target == "floor" and n in {2 * m for m in args.ns})
                if failed_search and not must:
                    continue
                log(f"{target} N={n}")
                run = run_once(target, n, args, stamp)
                runs.append(run)
                r = run.result
                log(
                    f"  bcast p50/p95/p99 {r['broadcast_ms']['p50']}/{r['broadcast_ms']['p95']}/"
                    f"{r['broadcast_ms']['p99']} ms, ack p50/p99 {r['ack_ms']['p50']}/"
                    f"{r['ack_ms']['p99']} ms, lost msgs {r['messages_lost_gaps']}+"
                    f"{r['events_missing']}, lost answers {r['answers_lost']}, "
                    f"loadgen lag p99 {r['loadgen_lag_ms']['p99']} ms -> "
                    f"{'pass' if r['passed'] else 'FAIL'}"
                )
                if not run.ok:
                    failed_search = True
                    if not r["loadgen_kept_up"]:
                        log("  the load generator fell behind: stopping the search here")
                if failed_search and n >= max(args.ns) and target != "floor":
                    break
                if failed_search and target == "floor" and n >= 2 * max(args.ns):
                    break
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted: reporting what was measured")
    summary = report(runs, args, stamp)
    path = OUT_DIR / f"live-{stamp}.json"
    path.write_text(json.dumps(summary, indent=2))
    print(f"\nwrote {path.relative_to(ROOT)}")
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
