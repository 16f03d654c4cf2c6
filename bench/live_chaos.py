"""Live sessions under faults: how long players take to come back, and what survives.

    flock /tmp/bench.lock .venv/bin/python bench/live_chaos.py --seconds 180
    flock /tmp/bench.lock .venv/bin/python bench/live_chaos.py            # 600 s, every fault
    flock /tmp/bench.lock .venv/bin/python bench/live_chaos.py --kill-every 0 --redis-every 0

The site runs in services mode with ``DJANGO_ENV=production`` as bench/live_bench.py
starts it (its helpers: ``child_env``, ``start_platform``, ``wait_ready``): gunicorn
with config/gunicorn.py and ``--workers`` uvicorn ASGI workers, PostgreSQL, a real
Celery worker (``celery -A config worker``, as ``make worker``), and every Redis
connection of both (channel layer, cache, broker) through a TCP proxy this script can
cut. Faults, each on its own clock (0 turns one off):

* ``--kill-every`` (4.5 s, +/- 1 s): SIGKILL one gunicorn worker; gunicorn forks a new one;
* ``--celery-every`` (60 s): SIGKILL the Celery worker's process group, start a new one;
* ``--redis-every`` (30 s) / ``--redis-for`` (2 s): the proxy closes every Redis
  connection and refuses new ones, then accepts again.

``--players`` players (50) join over HTTP as a browser does (the join page for its
cookies and CSRF token, then the form; a failed join is sent again with the same
cookies) while the faults already run, then play over websockets the way
static/js/live-common.js and live-player.js do: on a closed socket they reconnect after
an "equal jitter" delay (``MIN_DELAY`` 500 ms doubling to ``MAX_DELAY`` 3 s, half
fixed, half random; the attempt count resets at the next ``state`` frame), ping every
20 s and drop a socket silent for 45 s, follow ``seq`` and ``sync`` on a gap, and keep
each answer (with its idempotency key) until it is acknowledged, resending it with the
same key after a reconnection or 4 s without an ack. A host socket (with the same
reconnection) plays: ``start``/``next``, leaves about ``--deadline-share`` of the
questions to run to their deadline and reveals the others, resending an action that
changed nothing in 2 s. The session's quiz questions are repeated as often as the run
needs (one long game).

Measured:

* reconnect time: a socket closed -> the next ``state`` frame on a new one, per player,
  split by close code (1006: the server vanished, a killed worker; 1011/1012: it closed
  the socket on an error) with the attempts it took;
* worker boot: the kill -> gunicorn's "Booting worker with pid" line -> the new worker's
  "Started server process" line (uvicorn's, as it starts serving on the inherited
  socket), each line stamped as it is written to the log;
* acknowledged answers lost: keys acknowledged (an ``ack``, or a ``state`` naming the
  answer) missing from ``LiveAnswer``; duplicates: answers per (player, question) > 1;
* ghost players: browsers (``browser_hash``) with more than one player;
* deadlines: a thread polls the session row every 50 ms; a question left to its
  deadline closed that long after ``deadline + grace_ms``.

Results: a table on stdout, ``var/bench/live-chaos-<timestamp>.json`` and the servers'
logs beside it. Everything shares the machine (the load generator, the servers,
PostgreSQL, Redis).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_bench import (
    OUT_DIR,
    ROOT,
    Server,
    child_env,
    ensure_database,
    free_port,
    log,
    manage,
    percentiles,
    pick_response,
    raise_nofile,
    start_platform,
    wait_ready,
)

# static/js/live-common.js and live-player.js
MIN_DELAY = 0.5
MAX_DELAY = 3.0
PING_EVERY = 20.0
SILENCE_LIMIT = 2 * PING_EVERY + 5
RESEND_AFTER = 4.0
FINAL_CODES = {4401, 4403, 4404}


def backoff(attempt: int, rng: random.Random) -> float:
    """live-common.js ``scheduleRetry``: equal jitter under a doubling ceiling."""
    ceiling = min(MAX_DELAY, MIN_DELAY * 2**attempt)
    return ceiling / 2 + rng.random() * ceiling / 2


# --------------------------------------------------------------------------- the session

_PREPARE = r"""
import json, sys
import django
django.setup()
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client
from apps.accounts.models import User
from apps.live import services
from apps.live.models import LiveSession
from apps.quizzes.models import Quiz

spec = json.loads(sys.argv[-1])
cache.clear()
host, _ = User.objects.get_or_create(username="livechaos-host",
                                     defaults={"email": "livechaos@example.com"})
host.groups.add(Group.objects.get(name="instructor"))
LiveSession.objects.filter(host=host).delete()
quizzes = Quiz.objects.filter(status="published", module__isnull=False).order_by("slug")
quiz = max(quizzes, key=lambda q: q.questions.filter(retired=False).count())
session = services.session_create(host=host, quiz_slug=quiz.slug,
                                   seconds_per_question=spec["seconds"])
ids = list(session.question_ids)
session.question_ids = (ids * (spec["questions"] // len(ids) + 1))[: spec["questions"]]
session.save(update_fields=["question_ids"])
web = Client()
web.force_login(host)
print("PREPARED " + json.dumps({"session": session.pk, "code": session.code,
                                "quiz": quiz.slug, "distinct_questions": len(ids),
                                "host_cookie": web.cookies["sessionid"].value}))
"""


def prepare(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    spec = {"seconds": args.seconds_per_question, "questions": int(args.seconds // 5) + 10}
    done = subprocess.run(
        [sys.executable, "-c", _PREPARE, json.dumps(spec)],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    match = re.search(r"^PREPARED (.*)$", done.stdout, re.MULTILINE)
    if done.returncode or not match:
        raise SystemExit(
            f"preparing the session failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return dict(json.loads(match.group(1)))


# --------------------------------------------------------------------------- Redis proxy


def _proxy_main(upstream: tuple[str, int], ports: Any, cut: Any, stop: Any) -> None:
    """A TCP proxy (as tests/core/test_redis_outage.py's ``CuttableProxy``) in a process
    of its own: while ``cut`` is set every connection is closed and new ones refused."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=1024)
    ports.put(listener.getsockname()[1])
    sockets: set[socket.socket] = set()
    lock = threading.Lock()

    def pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.close()

    def accept() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            if cut.is_set():
                client.close()
                continue
            try:
                server = socket.create_connection(upstream, timeout=2)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with lock:
                sockets.update((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=pipe, args=(a, b), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    was_cut = False
    while not stop.is_set():
        now_cut = cut.is_set()
        if now_cut and not was_cut:
            with lock:
                for sock in sockets:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                    with contextlib.suppress(OSError):
                        sock.close()
                sockets.clear()
        was_cut = now_cut
        time.sleep(0.01)
    listener.close()


class RedisProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        ctx = mp.get_context("fork")
        self.cut_flag = ctx.Event()
        self.stop_flag = ctx.Event()
        ports: Any = ctx.Queue()
        self.proc = ctx.Process(
            target=_proxy_main, args=(upstream, ports, self.cut_flag, self.stop_flag), daemon=True
        )
        self.proc.start()
        self.port = int(ports.get(timeout=10))

    def cut(self) -> None:
        self.cut_flag.set()

    def restore(self) -> None:
        self.cut_flag.clear()

    def close(self) -> None:
        self.stop_flag.set()
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.kill()


# --------------------------------------------------------------------------- processes


class Celery:
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    def start(self) -> None:
        celery = Path(sys.executable).with_name("celery")
        with self.log_path.open("ab") as log_file:
            self.proc = subprocess.Popen(
                [str(celery), "-A", "config", "worker", "--loglevel", "INFO",
                 "--concurrency", "2", "-Q", "default,exercises"],
                cwd=ROOT, env=self.env, stdout=log_file, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def kill(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)

    def restart(self) -> None:
        self.kill()
        self.start()
        self.restarts += 1


class LogTail:
    """Each new line of gunicorn's log, stamped when it appears (its own timestamps
    have one-second resolution): when workers started booting and became ready."""

    BOOTING = re.compile(r"Booting worker with pid: (\d+)")
    READY = re.compile(r"Started server process \[(\d+)\]")

    def __init__(self, path: Path) -> None:
        self.path = path
        self.booting: list[tuple[float, int]] = []
        self.ready: dict[int, float] = {}
        self.errors: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        offset = 0
        buffer = ""
        while not self.stop.is_set():
            with (
                contextlib.suppress(OSError),
                self.path.open(encoding="utf-8", errors="replace") as f,
            ):
                f.seek(offset)
                chunk = f.read()
                offset = f.tell()
                now = time.time()
                buffer += chunk
                *lines, buffer = buffer.split("\n")
                for line in lines:
                    if match := self.BOOTING.search(line):
                        self.booting.append((now, int(match.group(1))))
                    elif match := self.READY.search(line):
                        self.ready[int(match.group(1))] = now
                    elif "Traceback" in line or "[ERROR]" in line or " ERROR " in line:
                        self.errors.append(line[:300])
            time.sleep(0.02)


def worker_pids(server: Server) -> list[int]:
    return server.pids()


# --------------------------------------------------------------------------- clients


@dataclass
class Reconnect:
    player: int
    closed_at: float
    code: int | None
    seconds: float = 0.0
    attempts: int = 0
    failures: list[str] = field(default_factory=list)
    last_open_to_state: float = 0.0
    since_kill: float | None = None
    since_redis_cut: float | None = None


class Run:
    """What the clients and the fault clocks saw (one event loop: no locks)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.t0 = time.time()
        self.reconnects: list[Reconnect] = []
        self.open_reconnects: dict[int, Reconnect] = {}
        self.kills: list[tuple[float, int]] = []
        self.redis_cuts: list[float] = []
        self.celery_restarts: list[float] = []
        self.acked: dict[str, int] = {}  # key -> question index
        self.sent = 0
        self.resent = 0
        self.refused: dict[str, int] = {}
        self.gaps = 0
        self.final_closes: dict[int, int] = {}
        self.connected: set[int] = set()
        self.joined: dict[int, dict[str, str]] = {}
        self.join_attempts = 0
        self.join_failures: list[str] = []
        self.acked_by_index: dict[int, int] = {}
        self.host_actions: dict[str, int] = {}
        self.plan: dict[int, str] = {}
        self.stopping = False
        self.ending = False

    def last(self, times: list[float], at: float) -> float | None:
        earlier = [t for t in times if t <= at]
        return round(at - earlier[-1], 2) if earlier else None


async def join_http(run: Run, base: str, code: str, i: int, rng: random.Random) -> dict[str, str]:
    """The join page, then the form, as a browser: cookies kept by hand (the production
    cookies are Secure and this is plain HTTP)."""
    import httpx

    cookies: dict[str, str] = {}

    def keep(response: httpx.Response) -> None:
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]

    def cookie_header() -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}

    attempt = 0
    token: str | None = None
    async with httpx.AsyncClient(base_url=base, timeout=30, trust_env=False) as http:
        while not run.stopping:
            run.join_attempts += 1
            try:
                if token is None:
                    page = await http.get(f"/live/{code}/", headers=cookie_header())
                    keep(page)
                    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
                    if page.status_code != 200 or not found:
                        raise RuntimeError(f"join page {page.status_code}")
                    token = found.group(1)
                response = await http.post(
                    f"/live/{code}/join",
                    data={"code": code, "nickname": f"Chaos {i}", "csrfmiddlewaretoken": token},
                    headers=cookie_header(),
                )
                keep(response)
                if response.status_code == 302 and "sessionid" in cookies:
                    return cookies
                if response.status_code == 403:
                    token = None
                raise RuntimeError(f"join answered {response.status_code}")
            except Exception as exc:
                run.join_failures.append(f"{type(exc).__name__}: {str(exc)[:120]}")
                await asyncio.sleep(backoff(attempt, rng))
                attempt += 1
    return cookies


class Client:
    """One screen's websocket, as live-common.js ``Socket``: reconnects with backoff and
    reports each frame to ``on_frame``."""

    def __init__(self, run: Run, ident: int, url: str, origin: str, cookies: str) -> None:
        self.run = run
        self.ident = ident
        self.url = url
        self.origin = origin
        self.cookies = cookies
        self.rng = random.Random(ident * 7919)
        self.ws: Any = None
        self.seq: int | None = None
        self.stopped = False

    async def on_state(self, state: dict[str, Any]) -> None:  # pragma: no cover - hooks
        pass

    async def on_event(self, frame: dict[str, Any]) -> None:
        pass

    async def on_frame(self, frame: dict[str, Any]) -> None:
        pass

    async def send(self, payload: dict[str, Any]) -> bool:
        if self.ws is None or self.seq is None:
            return False
        try:
            await self.ws.send(json.dumps(payload))
        except Exception:
            return False
        return True

    async def loop(self) -> None:
        import websockets

        attempt = 0
        pending: Reconnect | None = None
        while not self.stopped and not self.run.stopping:
            started = time.time()
            try:
                ws = await websockets.connect(
                    self.url,
                    origin=self.origin,  # type: ignore[arg-type]
                    additional_headers={"Cookie": self.cookies},
                    proxy=None,  # type: ignore[arg-type]
                    open_timeout=60,
                    ping_interval=None,
                    close_timeout=2,
                    max_size=2**22,
                )
            except Exception as exc:
                if pending is not None:
                    pending.attempts += 1
                    pending.failures.append(
                        f"{type(exc).__name__} after {time.time() - started:.2f}s"
                    )
                await asyncio.sleep(backoff(attempt, self.rng))
                attempt += 1
                continue
            opened = time.time()
            if pending is not None:
                pending.attempts += 1
            self.ws, self.seq = ws, None
            last_frame = time.time()
            next_ping = time.time() + PING_EVERY
            try:
                while True:
                    timeout = max(min(next_ping, last_frame + SILENCE_LIMIT) - time.time(), 0.01)
                    try:
                        raw = await asyncio.wait_for(ws.recv(), timeout)
                    except TimeoutError:
                        if time.time() - last_frame > SILENCE_LIMIT:
                            break
                        next_ping = time.time() + PING_EVERY
                        await self.send({"type": "ping"})
                        continue
                    now = last_frame = time.time()
                    frame = json.loads(raw)
                    kind = frame.get("type")
                    if kind == "state":
                        self.seq = frame["seq"]
                        attempt = 0
                        self.run.connected.add(self.ident)
                        if pending is not None:
                            pending.seconds = round(now - pending.closed_at, 3)
                            pending.last_open_to_state = round(now - opened, 3)
                            self.run.reconnects.append(pending)
                            self.run.open_reconnects.pop(self.ident, None)
                            pending = None
                        await self.on_state(frame["state"])
                    elif kind == "event":
                        if self.seq is None:
                            continue
                        if frame["seq"] <= self.seq:
                            continue
                        if frame["seq"] != self.seq + 1:
                            self.run.gaps += 1
                            self.seq = None  # the state is on its way
                            await ws.send('{"type":"sync"}')
                            continue
                        self.seq = frame["seq"]
                        await self.on_event(frame)
                    elif kind != "pong":
                        await self.on_frame(frame)
            except Exception:
                pass
            closed_at = time.time()
            self.ws, self.seq = None, None
            self.run.connected.discard(self.ident)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 2)
            code = ws.close_code if ws.close_code is not None else 1006
            if code in FINAL_CODES:
                self.run.final_closes[code] = self.run.final_closes.get(code, 0) + 1
                self.stopped = True
                return
            if self.run.stopping:
                return
            if pending is None:
                pending = Reconnect(self.ident, closed_at, code)
                pending.since_kill = self.run.last([t for t, _ in self.run.kills], closed_at)
                pending.since_redis_cut = self.run.last(self.run.redis_cuts, closed_at)
                self.run.open_reconnects[self.ident] = pending
            await asyncio.sleep(backoff(attempt, self.rng))
            attempt += 1


class Player(Client):
    def __init__(self, *a: Any, think: tuple[float, float]) -> None:
        super().__init__(*a)
        self.think = think
        self.pending: dict[str, Any] | None = None  # {index, key, response, acked}
        self.answered: set[int] = set()
        self.first_index = 0
        self.tasks: set[asyncio.Task[None]] = set()

    def later(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def send_pending(self) -> None:
        pending = self.pending
        if pending is None or pending["acked"]:
            return
        sent = await self.send(
            {
                "type": "answer",
                "index": pending["index"],
                "response": pending["response"],
                "key": pending["key"],
            }
        )
        if sent and pending.get("sent"):
            self.run.resent += 1
        pending["sent"] = pending.get("sent", 0) + int(sent)

        async def retry() -> None:
            await asyncio.sleep(RESEND_AFTER)
            if self.pending is pending and not pending["acked"] and self.seq is not None:
                await self.send_pending()

        self.later(retry())

    def question(self, index: int, question: dict[str, Any]) -> None:
        if index in self.answered or index < self.first_index:
            return
        self.answered.add(index)

        async def answer() -> None:
            await asyncio.sleep(self.rng.uniform(*self.think))
            if self.run.ending:
                return
            self.pending = {
                "index": index,
                "key": secrets.token_hex(12),
                "response": pick_response(question, self.rng),
                "acked": False,
            }
            self.run.sent += 1
            await self.send_pending()

        self.later(answer())

    def acked(self, key: str, index: int) -> None:
        if key not in self.run.acked:
            self.run.acked[key] = index
            self.run.acked_by_index[index] = self.run.acked_by_index.get(index, 0) + 1

    async def on_state(self, state: dict[str, Any]) -> None:
        me = state.get("me") or {}
        self.first_index = int(me.get("first_index") or 0)
        mine = me.get("answer")
        index = state.get("index")
        if state.get("status") in {"question", "paused"}:
            if mine and mine.get("index") == index:
                self.acked(mine["key"], index)
                self.answered.add(index)
                if self.pending and self.pending["index"] == index:
                    self.pending["acked"] = True
            elif self.pending and self.pending["index"] == index and not self.pending["acked"]:
                await self.send_pending()
            elif state.get("question") is not None:
                self.question(index, state["question"])

    async def on_event(self, frame: dict[str, Any]) -> None:
        if frame.get("event") == "question":
            if self.pending and self.pending["index"] != frame["index"]:
                self.pending = None
            self.question(frame["index"], frame["question"])

    async def on_frame(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "ack":
            if self.pending and frame.get("ref") == self.pending["key"]:
                self.pending["acked"] = True
            self.acked(frame["ref"], int(frame.get("index", -1)))
        elif kind == "error" and self.pending and frame.get("ref") == self.pending["key"]:
            code = str(frame.get("code"))
            self.run.refused[code] = self.run.refused.get(code, 0) + 1
            self.pending = None


class Host(Client):
    """Plays the game from what its socket says; an action that changed nothing in
    2 s (lost with a socket) is sent again."""

    def __init__(self, *a: Any, players: int, deadline_share: float) -> None:
        super().__init__(*a)
        self.players = players
        self.deadline_share = deadline_share
        self.status = "?"
        self.index = -1
        self.changed = time.time()
        self.reveal_at: dict[int, float] = {}
        self.sent_for: tuple[str, int, str] | None = None
        self.sent_at = 0.0
        self.closed_seen: dict[int, float] = {}

    def apply(self, status: str, index: int) -> None:
        if (status, index) != (self.status, self.index):
            self.status, self.index, self.changed = status, index, time.time()

    async def on_state(self, state: dict[str, Any]) -> None:
        self.apply(state.get("status", "?"), int(state.get("index", -1)))

    async def on_event(self, frame: dict[str, Any]) -> None:
        event = frame.get("event")
        if event == "question":
            self.apply("question", frame["index"])
        elif event == "closed":
            self.closed_seen.setdefault(frame["index"], time.time())
            self.apply("review", frame["index"])
        elif event == "ended":
            self.apply("ended", self.index)

    async def act(self, action: str) -> None:
        key = (self.status, self.index, action)
        if self.sent_for == key and time.time() - self.sent_at < 2.0:
            return
        if await self.send({"type": action}):
            self.sent_for, self.sent_at = key, time.time()
            self.run.host_actions[action] = self.run.host_actions.get(action, 0) + 1

    async def drive(self, limit: float) -> None:
        while self.status != "ended":
            await asyncio.sleep(0.1)
            if self.seq is None:
                continue
            if self.run.ending:
                await self.act("end")
                continue
            if self.status == "lobby":
                if len(self.run.joined) >= self.players or time.time() - self.run.t0 > 60:
                    await self.act("start")
            elif self.status == "question":
                index = self.index
                if index not in self.run.plan:
                    deadline = self.rng.random() < self.deadline_share
                    self.run.plan[index] = "deadline" if deadline else "reveal"
                    self.reveal_at[index] = self.changed + self.rng.uniform(
                        0.5 * limit, limit - 1.5
                    )
                if self.run.plan[index] == "reveal" and (
                    time.time() >= self.reveal_at[index]
                    or self.run.acked_by_index.get(index, 0) >= len(self.run.joined)
                ):
                    await self.act("reveal")
            elif self.status == "review" and time.time() - self.changed >= 1.5:
                await self.act("next")


# --------------------------------------------------------------------------- deadlines


class SessionWatch:
    """Polls the session row: when each question closed against its last deadline."""

    def __init__(self, database_url: str, session_id: int) -> None:
        self.database_url = database_url
        self.session_id = session_id
        self.closes: dict[int, dict[str, float]] = {}
        self.stop = threading.Event()
        self.errors = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        import psycopg

        open_q: tuple[int, float] | None = None  # (index, closes_at)
        conn = None
        while not self.stop.is_set():
            try:
                if conn is None:
                    conn = psycopg.connect(self.database_url, autocommit=True)
                row = conn.execute(
                    "SELECT status, index, deadline, grace_ms FROM live_livesession WHERE id = %s",
                    [self.session_id],
                ).fetchone()
            except Exception:
                self.errors += 1
                conn = None
                time.sleep(0.2)
                continue
            now = time.time()
            if row is not None:
                status, index, deadline, grace_ms = row
                if status == "question" and deadline is not None:
                    if open_q is not None and open_q[0] != index:
                        self._closed(open_q, now)
                    open_q = (index, deadline.timestamp() + grace_ms / 1000)
                elif open_q is not None and status != "paused":
                    self._closed(open_q, now)
                    open_q = None
            time.sleep(0.05)

    def _closed(self, open_q: tuple[int, float], now: float) -> None:
        index, closes_at = open_q
        self.closes.setdefault(index, {"closes_at": closes_at, "closed_seen": now})


# --------------------------------------------------------------------------- faults


async def kill_clock(run: Run, server: Server, every: float) -> None:
    rng = random.Random(42)
    while not run.stopping:
        await asyncio.sleep(max(every + rng.uniform(-1, 1), 0.5))
        if run.stopping:
            return
        pids = worker_pids(server)
        if not pids:
            continue
        pid = rng.choice(pids)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
            run.kills.append((time.time(), pid))


async def celery_clock(run: Run, celery: Celery, every: float) -> None:
    while not run.stopping:
        await asyncio.sleep(every)
        if run.stopping:
            return
        await asyncio.to_thread(celery.restart)
        run.celery_restarts.append(time.time())


async def redis_clock(run: Run, proxy: RedisProxy, every: float, length: float) -> None:
    await asyncio.sleep(every / 2)
    while not run.stopping:
        proxy.cut()
        run.redis_cuts.append(time.time())
        await asyncio.sleep(length)
        proxy.restore()
        await asyncio.sleep(max(every - length, 0.1))


async def progress(run: Run, watch: SessionWatch) -> None:
    while not run.stopping:
        await asyncio.sleep(10)
        secs = [r.seconds for r in run.reconnects]
        p = percentiles(secs)
        log(
            f"t={time.time() - run.t0:5.0f}s players online {len(run.connected)}/"
            f"{run.args.players} kills {len(run.kills)} redis cuts {len(run.redis_cuts)} "
            f"celery restarts {len(run.celery_restarts)} | reconnects {p['n']} "
            f"p50/p99/max {p['p50']}/{p['p99']}/{p['max']} s, waiting {len(run.open_reconnects)}"
            f" | questions closed {len(watch.closes)} answers acked {len(run.acked)}"
        )


# --------------------------------------------------------------------------- main


async def play(
    args: argparse.Namespace, run: Run, server: Server, prepared: dict[str, Any], extra: Any
) -> Host:
    base = server.http
    code = prepared["code"]
    ws_base = f"ws://127.0.0.1:{server.port}/ws/live/{code}"
    watch, proxy, celery = extra
    clocks = [asyncio.ensure_future(progress(run, watch))]
    if args.kill_every > 0:
        clocks.append(asyncio.ensure_future(kill_clock(run, server, args.kill_every)))
    if args.celery_every > 0:
        clocks.append(asyncio.ensure_future(celery_clock(run, celery, args.celery_every)))
    if args.redis_every > 0:
        clocks.append(
            asyncio.ensure_future(redis_clock(run, proxy, args.redis_every, args.redis_for))
        )
    host = Host(
        run,
        -1,
        f"{ws_base}/host/",
        base,
        f"sessionid={prepared['host_cookie']}",
        players=args.players,
        deadline_share=args.deadline_share,
    )
    loops = [asyncio.ensure_future(host.loop())]
    driver = asyncio.ensure_future(host.drive(args.seconds_per_question))
    players: list[Player] = []

    async def one(i: int) -> None:
        rng = random.Random(i)
        await asyncio.sleep(rng.uniform(0, 5))  # a room arriving
        cookies = await join_http(run, base, code, i, rng)
        if run.stopping:
            return
        run.joined[i] = cookies
        header = "; ".join(f"{k}={v}" for k, v in cookies.items())
        player = Player(run, i, f"{ws_base}/play/", base, header, think=tuple(args.think))
        players.append(player)
        await player.loop()

    loops += [asyncio.ensure_future(one(i)) for i in range(args.players)]
    await asyncio.sleep(args.seconds)
    log("faults stop; the host ends the game")
    for clock in clocks[1:]:
        clock.cancel()
    await asyncio.gather(*clocks[1:], return_exceptions=True)
    proxy.restore()
    run.ending = True
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(driver, 60)
    await asyncio.sleep(3)  # the last reconnections and acks
    run.stopping = True
    clocks[0].cancel()
    for player in players:
        if player.ws is not None:
            with contextlib.suppress(Exception):
                await player.ws.close()
        for task in player.tasks:
            task.cancel()
    if host.ws is not None:
        with contextlib.suppress(Exception):
            await host.ws.close()
    for task in loops:
        task.cancel()
    await asyncio.gather(*loops, return_exceptions=True)
    return host


def database_checks(database_url: str, session_id: int) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        keys = {
            r[0]
            for r in conn.execute(
                "SELECT key FROM live_liveanswer WHERE session_id = %s", [session_id]
            )
        }
        doubled = conn.execute(
            "SELECT count(*) FROM (SELECT player_id, index FROM live_liveanswer "
            "WHERE session_id = %s GROUP BY 1, 2 HAVING count(*) > 1) d",
            [session_id],
        ).fetchone()
        ghosts = conn.execute(
            "SELECT count(*), coalesce(sum(n - 1), 0) FROM (SELECT browser_hash, count(*) n "
            "FROM live_liveplayer WHERE session_id = %s GROUP BY 1 HAVING count(*) > 1) g",
            [session_id],
        ).fetchone()
        players = conn.execute(
            "SELECT count(*) FROM live_liveplayer WHERE session_id = %s", [session_id]
        ).fetchone()
        session = conn.execute(
            "SELECT status, index, seq FROM live_livesession WHERE id = %s", [session_id]
        ).fetchone()
    return {
        "answer_keys": keys,
        "answers_doubled": doubled[0] if doubled else None,
        "ghost_browsers": ghosts[0] if ghosts else None,
        "ghost_players": int(ghosts[1]) if ghosts else None,
        "players": players[0] if players else None,
        "session": list(session) if session else None,
    }


def boot_times(run: Run, tail: LogTail) -> list[dict[str, Any]]:
    """For each kill: when gunicorn started the next worker and when it was ready."""
    rows = []
    booting = sorted(tail.booting)
    used: set[int] = set()
    for killed_at, pid in run.kills:
        spawned = next(((t, p) for t, p in booting if t >= killed_at and p not in used), None)
        if spawned is None:
            continue
        used.add(spawned[1])
        ready = tail.ready.get(spawned[1])
        rows.append(
            {
                "killed": pid,
                "new": spawned[1],
                "spawn_s": round(spawned[0] - killed_at, 3),
                "ready_s": None if ready is None else round(ready - killed_at, 3),
            }
        )
    return rows


def summarise(
    args: argparse.Namespace,
    run: Run,
    host: Host,
    watch: SessionWatch,
    db: dict[str, Any],
    boots: list[dict[str, Any]],
    tail: LogTail,
    prepared: dict[str, Any],
) -> dict[str, Any]:
    def secs(rows: list[Reconnect]) -> dict[str, Any]:
        return percentiles([r.seconds for r in rows])

    by_code: dict[str, list[Reconnect]] = {}
    for r in run.reconnects:
        by_code.setdefault(str(r.code), []).append(r)
    lost = sorted(set(run.acked) - db["answer_keys"])
    deadline_rows = []
    for index, seen in sorted(watch.closes.items()):
        if run.plan.get(index) != "deadline":
            continue
        deadline_rows.append(
            {"index": index, "late_s": round(seen["closed_seen"] - seen["closes_at"], 3)}
        )
    late = [row["late_s"] for row in deadline_rows]
    slow = sorted(run.reconnects, key=lambda r: -r.seconds)[:10]
    return {
        "settings": {k: v for k, v in vars(args).items() if k != "secret_key"},
        "session": {k: v for k, v in prepared.items() if k != "host_cookie"},
        "faults": {
            "worker_kills": len(run.kills),
            "celery_restarts": len(run.celery_restarts),
            "redis_cuts": len(run.redis_cuts),
        },
        "reconnect_s": secs(run.reconnects),
        "reconnect_s_by_close_code": {code: secs(rows) for code, rows in sorted(by_code.items())},
        "reconnect_attempts": percentiles([float(r.attempts) for r in run.reconnects]),
        "reconnect_open_to_state_s": percentiles([r.last_open_to_state for r in run.reconnects]),
        "reconnects_unfinished": len(run.open_reconnects),
        "slowest_reconnects": [r.__dict__ for r in slow],
        "worker_boot": {
            "spawn_s": percentiles([b["spawn_s"] for b in boots]),
            "ready_s": percentiles([b["ready_s"] for b in boots if b["ready_s"] is not None]),
            "rows": boots,
        },
        "players_joined": len(run.joined),
        "join_attempts": run.join_attempts,
        "join_failures": len(run.join_failures),
        "join_failure_samples": run.join_failures[:10],
        "players_in_db": db["players"],
        "ghost_browsers": db["ghost_browsers"],
        "ghost_players": db["ghost_players"],
        "answers_sent": run.sent,
        "answers_resent": run.resent,
        "answers_acked": len(run.acked),
        "answers_refused": run.refused,
        "answers_lost": len(lost),
        "answers_lost_keys": lost[:20],
        "answers_doubled": db["answers_doubled"],
        "seq_gaps": run.gaps,
        "final_closes": run.final_closes,
        "questions_closed": len(watch.closes),
        "questions_to_deadline": len(deadline_rows),
        "deadline_late_s": percentiles(late),
        "deadline_rows": deadline_rows,
        "deadline_within_2s": all(x <= 2.0 for x in late),
        "host_actions": run.host_actions,
        "session_at_end": db["session"],
        "server_errors_logged": len(tail.errors),
        "server_error_samples": tail.errors[:15],
    }


def print_report(result: dict[str, Any]) -> None:
    def f(value: Any) -> str:
        return "-" if value is None else f"{value}"

    r = result["reconnect_s"]
    print("\n| measure | value |\n| --- | --- |")
    rows = [
        ("worker kills / Celery restarts / Redis cuts",
         f"{result['faults']['worker_kills']} / {result['faults']['celery_restarts']} / "
         f"{result['faults']['redis_cuts']}"),
        ("reconnects (n)", r["n"]),
        ("reconnect p50 / p95 / p99 / max (s)",
         f"{f(r['p50'])} / {f(r['p95'])} / {f(r['p99'])} / {f(r['max'])}"),
    ]  # fmt: skip
    for code, p in result["reconnect_s_by_close_code"].items():
        rows.append(
            (f"  close code {code}: n, p50 / p99 / max (s)",
             f"{p['n']}, {f(p['p50'])} / {f(p['p99'])} / {f(p['max'])}")
        )  # fmt: skip
    a = result["reconnect_attempts"]
    o = result["reconnect_open_to_state_s"]
    w = result["worker_boot"]
    d = result["deadline_late_s"]
    rows += [
        ("attempts per reconnect p50 / p99 / max",
         f"{f(a['p50'])} / {f(a['p99'])} / {f(a['max'])}"),
        ("last socket open -> state p50 / p99 (s)", f"{f(o['p50'])} / {f(o['p99'])}"),
        ("reconnects unfinished at the end", result["reconnects_unfinished"]),
        ("worker boot: kill -> new worker forked p50 / max (s)",
         f"{f(w['spawn_s']['p50'])} / {f(w['spawn_s']['max'])}"),
        ("worker boot: kill -> new worker ready p50 / p99 / max (s)",
         f"{f(w['ready_s']['p50'])} / {f(w['ready_s']['p99'])} / {f(w['ready_s']['max'])}"),
        ("players joined / in the database / ghost players",
         f"{result['players_joined']} / {result['players_in_db']} / {result['ghost_players']}"),
        ("join attempts / failed", f"{result['join_attempts']} / {result['join_failures']}"),
        ("answers sent / resent / acked / refused",
         f"{result['answers_sent']} / {result['answers_resent']} / {result['answers_acked']} / "
         f"{result['answers_refused']}"),
        ("acknowledged answers lost / answers counted twice",
         f"{result['answers_lost']} / {result['answers_doubled']}"),
        ("questions closed / left to the deadline",
         f"{result['questions_closed']} / {result['questions_to_deadline']}"),
        ("deadline -> closed p50 / max (s)", f"{f(d['p50'])} / {f(d['max'])}"),
        ("seq gaps (resynced)", result["seq_gaps"]),
        ("errors in the server log", result["server_errors_logged"]),
    ]  # fmt: skip
    for name, value in rows:
        print(f"| {name} | {value} |")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--players", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kill-every", type=float, default=4.5, help="0: no worker kills")
    parser.add_argument("--celery-every", type=float, default=60, help="0: no Celery restarts")
    parser.add_argument("--redis-every", type=float, default=30, help="0: no Redis cuts")
    parser.add_argument("--redis-for", type=float, default=2.0)
    parser.add_argument("--seconds-per-question", type=int, default=10)
    parser.add_argument("--deadline-share", type=float, default=0.4)
    parser.add_argument("--think", type=float, nargs=2, default=[0.5, 5.0], metavar=("MIN", "MAX"))
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/ba_chaos_bench"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--cache-db", type=int, default=10, help="Redis database of the cache")
    parser.add_argument("--broker-db", type=int, default=9, help="Redis database of the broker")
    parser.add_argument("--gunicorn-config", default="config/gunicorn.py")
    parser.add_argument(
        "--server-env", action="append", default=[], metavar="NAME=VALUE",
        help="extra environment for gunicorn and Celery",
    )  # fmt: skip
    parser.add_argument("--skip-setup", action="store_true", help="no migrate / content import")
    args = parser.parse_args()
    args.secret_key = secrets.token_urlsafe(64)
    args.ns, args.ladder = [args.players], [args.players]  # for live_bench.child_env
    return args


def main() -> int:
    args = parse_args()
    raise_nofile(args.players * 4 + 1024)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log(f"results in var/bench/live-chaos-{stamp}.json")
    direct = child_env(args, 0, 1)
    if not args.skip_setup:
        ensure_database(args.database_url)
        log("migrate + setup_site")
        manage(direct, "migrate", "--noinput", "--verbosity", "0")
        manage(direct, "setup_site", "--verbosity", "0")
        manage(direct, "collectstatic", "--noinput", "--verbosity", "0")  # the pages' manifest
    prepared = prepare(direct, args)
    upstream = urlsplit_host(args.redis_url)
    proxy = RedisProxy(upstream)
    proxied = argparse.Namespace(**vars(args))
    proxied.redis_url = re.sub(r"//[^/]+", f"//127.0.0.1:{proxy.port}", args.redis_url, count=1)
    port = free_port()
    env = child_env(proxied, port, args.workers)
    log_path = OUT_DIR / f"live-chaos-{stamp}-gunicorn.log"
    server = start_platform(env, port, log_path, args.gunicorn_config)
    celery = Celery(env, OUT_DIR / f"live-chaos-{stamp}-celery.log")
    tail = LogTail(log_path)
    watch = SessionWatch(args.database_url, prepared["session"])
    run = Run(args)
    try:
        wait_ready(server, args.workers)
        celery.start()
        log(
            f"{args.workers} workers up on :{port}, Celery started; "
            f"playing for {args.seconds:.0f} s"
        )
        run.t0 = time.time()
        host = asyncio.run(play(args, run, server, prepared, (watch, proxy, celery)))
    finally:
        watch.stop.set()
        server.stop()
        celery.kill()
        proxy.close()
        time.sleep(0.2)
        tail.stop.set()
    db = database_checks(args.database_url, prepared["session"])
    result = summarise(args, run, host, watch, db, boot_times(run, tail), tail, prepared)
    result["stamp"] = stamp
    result["machine"] = {"cpus": os.cpu_count(), "loadavg": os.getloadavg()}
    print_report(result)
    path = OUT_DIR / f"live-chaos-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    print(f"\nwrote {path.relative_to(ROOT)}")
    return 0


def urlsplit_host(url: str) -> tuple[str, int]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 6379


if __name__ == "__main__":
    sys.exit(main())
