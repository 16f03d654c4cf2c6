"""Code exercise runs: submit → first streamed result → final result, runs per minute per
Celery worker process, and what the bubblewrap sandbox costs per run.

    sudo .venv/bin/python bench/exercise_bench.py                 # the full run (~4 min)
    .venv/bin/python bench/exercise_bench.py --runs 50 --concurrency 1 --sandbox-runs 20

Needs: root (the sandbox gives every run its own unprivileged uid, which needs root; the
Celery worker it starts runs as root too), bubblewrap (``bwrap``; ``make system-deps``),
PostgreSQL and Redis on 127.0.0.1. Linux x86_64 only (the sandbox's seccomp filter).

Part A, end to end, on the real stack in services mode with ``DJANGO_ENV=production``:
migrations and ``manage.py setup_site`` (the exercise import), gunicorn with the project's
config/gunicorn.py and uvicorn ASGI workers (``--web-workers``, 2 as ``make serve``) and
ONE Celery worker (``celery -A config worker -Q exercises -c C``, prefork pool, the
project's Celery settings: acks late, prefetch 1). Learner accounts, API tokens and
browser sessions are created in this process with the services. One run is what a
learner's browser does: POST ``/api/v1/exercises/<slug>/runs/`` (bearer token,
``mode=submit``, the exercise's reference solution, so every test passes) → 202 with the
run id → open ``/ws/exercises/runs/<id>/`` (session cookie, Origin) → the ``state`` frame
(the run so far: results that landed before the socket opened are in it) → ``test``
frames → ``done``. Time zero is just before the POST; "first result" is the first frame
that carries a test result (a ``test`` frame, or the ``state`` frame when it already holds
one), "final" the ``done`` frame (or a finished ``state``). Frames follow ``seq``: older
ones are ignored, a gap is repaired with ``sync`` as the page does.

* latency: ``--runs`` runs one after another (after ``--warmup`` uncounted ones), the
  worker at concurrency 1; the run's ``queued_at``/``started_at``/``finished_at`` are read
  back from the database afterwards to split the time (same machine, same clock);
* throughput: ``--learners`` learners submit in a loop for ``--throughput-seconds``, each
  with one run in flight (the platform allows one), against a worker at each
  ``--concurrency``; runs finished inside the window (after ``--ramp`` seconds) per
  minute, divided by the worker's pool processes, is "runs/min per worker process".

The per-learner run limit (``EXERCISES_RUN_LIMIT``, 20 per 5 min) would stop the loop
within a minute, so the server gets ``EXERCISES_RUN_LIMIT=1000000`` (the check itself
still runs). Nothing else is changed from production settings.

Part B, sandbox overhead against bare ``python3``, in this process after the stack is
stopped, its heap first grown to a warm worker's (``--heap-mb``; by default the resident
size Part A read off its Celery pool process, else 200 MB: the cost of starting a process
grows with the memory of the one that starts it). ``--sandbox-runs`` rounds, each running
the reference solution through the exercise's probes five ways, in an order that rotates:

* **bare**: ``/usr/bin/python3 -I -S -B harness.py`` on the visible probes in a plain
  directory, started with nothing but ``subprocess`` (no sandbox, no uid, no limits, no
  launcher), read to the end: what running the tests costs at all;
* **phase, unsandboxed**: ``sandbox.run_phase`` with the sandbox switched off
  (``EXERCISES_ALLOW_UNSANDBOXED``): the platform's own machinery (task directory, uid
  slot, launcher, collector) without bubblewrap;
* **phase, sandboxed**: ``sandbox.run_phase``, as a *Run* executes;
* **bare submit**: bare on the visible probes, then on the hidden ones;
* **submit, graded**: ``grading.grade(submit=True)``, as a *Submit* executes: two
  sandboxes (the visible probes, then the hidden ones) and the judging.

The overhead is each sandboxed measure minus its bare counterpart in the same round.

Results: a table on stdout, ``var/bench/exercises-<timestamp>.json`` (every run, the load
average, where the CPU went in each phase: ``CpuMeter``), the servers' logs next to it.
Redis: the broker and the channel layer use database ``--broker-db`` of ``--redis-url``'s
instance (``REDIS_URL``), the cache ``--cache-db`` (both flushed at start), every key under
``REDIS_KEY_PREFIX=ba-bench``.
Percentiles are nearest-rank. Ctrl-C stops gunicorn and the worker and reports nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "var" / "bench"
CONTENT = ROOT / "apps" / "exercises" / "content"
TARGETS = {"first_result_p50_ms": 400.0, "sandbox_overhead_ms": 50.0}
FINISHED = {"passed", "failed", "error", "timeout", "refused"}
PREFIX = "exbench-"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# --------------------------------------------------------------------------- helpers


def log(message: str) -> None:
    progress_clear()
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


_progress_shown = False


def progress(text: str) -> None:
    global _progress_shown  # noqa: PLW0603
    if sys.stderr.isatty():
        print(f"\r\x1b[2K  {text}", end="", file=sys.stderr, flush=True)
        _progress_shown = True


def progress_clear() -> None:
    global _progress_shown  # noqa: PLW0603
    if _progress_shown:
        print("\r\x1b[2K", end="", file=sys.stderr, flush=True)
        _progress_shown = False


def pct(values: list[float]) -> dict[str, float | None]:
    """Nearest-rank percentiles (ms)."""
    if not values:
        return {"n": 0, "p50": None, "p90": None, "p99": None, "min": None, "max": None}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 1)

    return {
        "n": len(ordered),
        "p50": at(0.50),
        "p90": at(0.90),
        "p99": at(0.99),
        "min": round(ordered[0], 1),
        "max": round(ordered[-1], 1),
    }


def redis_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", "", ""))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(args: argparse.Namespace, port: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "DB_POOL_", "EXERCISES_", "API_")
        )
        and key not in {"SQLITE_PATH", "BIND", "WEB_CONCURRENCY", "LOG_LEVEL", "LOG_FORMAT"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=args.secret_key,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=args.database_url,
        REDIS_URL=redis_db(args.redis_url, args.broker_db),
        REDIS_KEY_PREFIX="ba-bench",
        REDIS_CACHE_URL=redis_db(args.redis_url, args.cache_db),
        CELERY_BROKER_URL=redis_db(args.redis_url, args.broker_db),
        CELERY_RESULT_BACKEND=redis_db(args.redis_url, args.broker_db),
        EXERCISES_RUN_LIMIT="1000000",
        LOG_LEVEL=args.log_level,
        WEB_CONCURRENCY=str(args.web_workers),
        BIND=f"127.0.0.1:{port}",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(ROOT),
    )
    return env


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


def manage(env: dict[str, str], *command: str) -> None:
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


def flush_redis(args: argparse.Namespace) -> None:
    import redis

    for db in sorted({args.broker_db, args.cache_db}):
        redis.Redis.from_url(redis_db(args.redis_url, db)).flushdb()


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(p) for p in (task / "children").read_text().split()]
    return pids


def _cpu_seconds(pid: int) -> float:
    """CPU time of a process tree (with children it has waited for). Code in a sandbox
    runs in its own PID namespace and does not reach the worker's count."""
    total = 0.0
    for each in _tree(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


def _matching_cpu(pattern: re.Pattern[str]) -> dict[int, float]:
    """CPU seconds of each process whose command line matches (own time only)."""
    found: dict[int, float] = {}
    hz = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if pattern.search(cmdline):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / hz
    return found


class CpuMeter:
    """Where the CPU went between two snapshots, in % of one core: the machine (2 cores =
    200 %), the hypervisor's steal, the process trees we started, this process (the load
    generator), the PostgreSQL backends of the bench database and Redis (shared). "other"
    is the rest: the sandboxed code (its own PID namespace: not counted in the worker's
    tree), the kernel, and any other work on the machine."""

    def __init__(self, trees: dict[str, int], database: str) -> None:
        self.trees = trees
        self.patterns = {
            "postgres (bench db)": re.compile(rf"^postgres: .*\b{re.escape(database)}\b"),
            "redis-server": re.compile(r"^\S*redis-server"),
        }

    def snapshot(self) -> dict[str, Any]:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        ticks = [int(x) for x in fields]
        hz = os.sysconf("SC_CLK_TCK")
        usage = os.times()
        steal = ticks[7] if len(ticks) > 7 else 0
        snap: dict[str, Any] = {
            "_wall": time.monotonic(),
            "_busy": (sum(ticks[:8]) - ticks[3] - ticks[4] - steal) / hz,
            "_steal": steal / hz,
            "bench client": usage.user + usage.system,
        }
        snap.update({name: _cpu_seconds(pid) for name, pid in self.trees.items()})
        snap.update({name: _matching_cpu(rx) for name, rx in self.patterns.items()})
        return snap

    @staticmethod
    def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, int]:
        wall = after["_wall"] - before["_wall"]

        def share(seconds: float) -> int:
            return round(seconds / wall * 100)

        out = {
            "machine busy": share(after["_busy"] - before["_busy"]),
            "steal": share(after["_steal"] - before["_steal"]),
        }
        for name, value in before.items():
            if name.startswith("_"):
                continue
            if isinstance(value, dict):  # per pid: new processes count from zero
                used = sum(t - value.get(pid, 0.0) for pid, t in after[name].items())
                out[name] = share(max(0.0, used))
            else:
                out[name] = share(after[name] - value)
        known = sum(v for k, v in out.items() if k not in {"machine busy", "steal"})
        out["other"] = max(0, out["machine busy"] - known)
        return out


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    bwrap = subprocess.run(["bwrap", "--version"], capture_output=True, text=True, check=False)
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "bwrap": bwrap.stdout.strip(),
        "loadavg_start": round(os.getloadavg()[0], 2),  # other work on the machine
    }


# --------------------------------------------------------------------------- processes


@dataclass
class Proc:
    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, grace: float = 30.0) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=grace)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: nothing else
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)


def spawn(name: str, argv: list[str], env: dict[str, str], log_path: Path) -> Proc:
    with log_path.open("ab") as log_file:
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches us only; we stop it ourselves
        )
    return Proc(name, proc, log_path)


def start_web(env: dict[str, str], log_path: Path) -> Proc:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    # No control socket: gunicorn puts one at a fixed path shared with any other gunicorn.
    argv = [gunicorn, "--no-control-socket", "-c", "config/gunicorn.py", "config.asgi:application"]
    return spawn("gunicorn", argv, env, log_path)


def wait_web(web: Proc, base: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not web.alive():
            raise SystemExit(f"gunicorn exited ({web.proc.returncode}); see {web.log_path}")
        with contextlib.suppress(OSError), urllib.request.urlopen(base + "/readyz", timeout=5) as r:
            if r.status == 200:
                return
        time.sleep(0.3)
    raise SystemExit(f"gunicorn not ready within {timeout:.0f} s; see {web.log_path}")


def start_worker(env: dict[str, str], concurrency: int, log_path: Path) -> tuple[Proc, str]:
    celery = str(Path(sys.executable).with_name("celery"))
    name = f"exbench{concurrency}-{os.getpid()}@{socket.gethostname()}"
    argv = [celery, "-A", "config", "worker", "--loglevel", "INFO", "-Q", "exercises",
            "-c", str(concurrency), "-n", name]  # fmt: skip
    return spawn(f"worker-c{concurrency}", argv, env, log_path), name


def wait_worker(worker: Proc, name: str, timeout: float = 120) -> None:
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not worker.alive():
            raise SystemExit(f"the worker exited ({worker.proc.returncode}); see {worker.log_path}")
        with contextlib.suppress(Exception):
            if app.control.ping(destination=[name], timeout=1.0):
                return
        time.sleep(0.3)
    raise SystemExit(f"the worker did not answer within {timeout:.0f} s; see {worker.log_path}")


# --------------------------------------------------------------------------- Django side


@dataclass
class Learner:
    username: str
    token: str
    session: str


@dataclass
class ExerciseFiles:
    slug: str
    folder: str
    solution: str
    visible_source: str
    hidden_source: str
    expected: dict[str, Any]
    time_limit_s: int
    visible: int
    hidden: int


def django_setup(env: dict[str, str]) -> None:
    os.environ.update({k: v for k, v in env.items() if k != "BIND"})
    import logging

    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise


def exercise_files(slug: str) -> ExerciseFiles:
    """The exercise as imported (what the worker runs) and its reference solution from
    its content folder."""
    from apps.exercises.models import Exercise
    from apps.exercises.services import exercise_expectations

    folder = next(
        (
            path.parent
            for path in sorted(CONTENT.glob("*/*/exercise.yaml"))
            if re.search(rf"^slug:\s*{re.escape(slug)}\s*$", path.read_text(), re.MULTILINE)
        ),
        None,
    )
    if folder is None:
        raise SystemExit(f"no exercise folder with slug {slug!r} under {CONTENT}")
    exercise = Exercise.objects.get(slug=slug)
    if exercise.status != "published":
        raise SystemExit(f"exercise {slug!r} is not published")
    expected = exercise_expectations(exercise)
    if expected is None:
        raise SystemExit(f"exercise {slug!r} has no current expected values (re-import it)")
    return ExerciseFiles(
        slug=slug,
        folder=str(folder.relative_to(ROOT)),
        solution=(folder / "solution.py").read_text(encoding="utf-8"),
        visible_source=exercise.test_visible,
        hidden_source=exercise.test_hidden,
        expected=expected,
        time_limit_s=exercise.time_limit_seconds,
        visible=exercise.visible_test_count,
        hidden=exercise.hidden_test_count,
    )


def make_learners(count: int) -> list[Learner]:
    """Learner accounts (created once, reused), a fresh API token and session each; their
    earlier benchmark runs are deleted (a run left in flight would block the next)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils import timezone

    from apps.accounts import services as accounts
    from apps.accounts.models import ApiToken, User
    from apps.exercises.models import Run

    store = import_module(settings.SESSION_ENGINE).SessionStore
    Run.objects.filter(user__username__startswith=PREFIX).delete()
    learners = []
    for i in range(count):
        username = f"{PREFIX}{i:03d}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = accounts.user_create(
                username=username,
                email=f"{username}@example.com",
                password=secrets.token_urlsafe(16),
            )
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        _, key = accounts.api_token_create(user=user, name="exercise bench")
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        learners.append(Learner(username, key, str(session.session_key)))
    return learners


def server_times(ids: list[int]) -> dict[int, dict[str, float | None]]:
    from apps.exercises.models import Run

    def ts(value: Any) -> float | None:
        return value.timestamp() if value is not None else None

    return {
        run.pk: {
            "queued": ts(run.queued_at),
            "started": ts(run.started_at),
            "finished": ts(run.finished_at),
            "attempts": run.attempts,
        }
        for run in Run.objects.filter(pk__in=ids).only(
            "id", "queued_at", "started_at", "finished_at", "attempts"
        )
    }


# --------------------------------------------------------------------------- one run


@dataclass
class RunRecord:
    learner: str
    t0: float = 0.0  # time.time() just before the POST
    run_id: int | None = None
    http_status: int | None = None
    post_ms: float | None = None  # POST → 202 received
    open_ms: float | None = None  # → the socket's state frame
    first_ms: float | None = None
    final_ms: float | None = None
    first_from: str = ""  # "test" frame or the "state" frame
    final_from: str = ""
    status: str = ""
    passed: int | None = None
    total: int | None = None
    worker_ms: int | None = None  # the run's duration_ms: run_tests in the worker
    tests_seen: int = 0
    gaps: int = 0
    error: str = ""
    server: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.error and self.final_ms is not None


class Client:
    def __init__(self, base: str, exercise: ExerciseFiles, timeout: float) -> None:
        import httpx

        self.base = base
        self.ws_base = "ws" + base[len("http") :]
        self.exercise = exercise
        self.timeout = timeout
        self.http = httpx.AsyncClient(base_url=base, timeout=timeout)

    async def close(self) -> None:
        await self.http.aclose()

    async def run(self, learner: Learner) -> RunRecord:
        from websockets.asyncio.client import connect

        rec = RunRecord(learner=learner.username)
        body = {"code": self.exercise.solution, "mode": "submit", "key": uuid.uuid4().hex}
        headers = {"Authorization": f"Bearer {learner.token}"}
        url = f"/api/v1/exercises/{self.exercise.slug}/runs/"
        rec.t0 = time.time()
        try:
            response = await self.http.post(url, json=body, headers=headers)
        except Exception as exc:
            rec.error = f"POST: {type(exc).__name__}: {exc}"
            return rec
        rec.post_ms = (time.time() - rec.t0) * 1000
        rec.http_status = response.status_code
        if response.status_code != 202:
            rec.error = f"POST {response.status_code}: {response.text[:200]}"
            return rec
        rec.run_id = int(response.json()["id"])

        def ms() -> float:
            return (time.time() - rec.t0) * 1000

        last_seq = -1
        try:
            async with asyncio.timeout(self.timeout):
                async with connect(
                    f"{self.ws_base}/ws/exercises/runs/{rec.run_id}/",
                    origin=self.base,  # type: ignore[arg-type]  # Origin is a str NewType
                    additional_headers={"Cookie": f"sessionid={learner.session}"},
                    open_timeout=self.timeout,
                ) as ws:
                    async for raw in ws:
                        now = ms()
                        frame = json.loads(raw)
                        kind = frame.get("type")
                        if kind == "error":
                            rec.error = f"ws error frame: {frame}"
                            break
                        seq = int(frame.get("seq", -1))
                        if kind == "state":
                            if rec.open_ms is None:
                                rec.open_ms = now
                            if seq <= last_seq:
                                continue
                            last_seq = seq
                            state = frame["run"]
                            rec.tests_seen = max(rec.tests_seen, len(state.get("tests") or []))
                            if state.get("tests") and rec.first_ms is None:
                                rec.first_ms, rec.first_from = now, "state"
                            if state.get("status") in FINISHED:
                                rec.final_ms, rec.final_from = now, "state"
                                rec.status = state["status"]
                                rec.passed, rec.total = state["passed"], state["total"]
                                rec.worker_ms = state.get("duration_ms")
                                break
                            continue
                        if seq <= last_seq:
                            continue  # already in the state we have
                        if last_seq >= 0 and seq > last_seq + 1:
                            rec.gaps += 1
                            await ws.send(json.dumps({"type": "sync"}))
                            continue  # the state that answers brings everything
                        last_seq = seq
                        if kind == "test":
                            rec.tests_seen += 1
                            if rec.first_ms is None:
                                rec.first_ms, rec.first_from = now, "test"
                        elif kind == "done":
                            rec.final_ms, rec.final_from = now, "done"
                            rec.status = frame["status"]
                            rec.passed, rec.total = frame["passed"], frame["total"]
                            rec.worker_ms = frame.get("duration_ms")
                            break
        except TimeoutError:
            rec.error = f"no final result within {self.timeout:g} s"
        except Exception as exc:
            rec.error = f"ws: {type(exc).__name__}: {exc}"
        if not rec.error and rec.final_ms is None:
            rec.error = "the socket closed before the run finished"
        if rec.ok and rec.status != "passed":
            rec.error = f"run {rec.status}, {rec.passed}/{rec.total} passed"
        return rec


# --------------------------------------------------------------------------- phases


async def sequential(
    base: str, exercise: ExerciseFiles, learners: list[Learner], runs: int, warmup: int,
    timeout: float,
) -> list[RunRecord]:  # fmt: skip
    client = Client(base, exercise, timeout)
    records: list[RunRecord] = []
    try:
        for i in range(warmup + runs):
            rec = await client.run(learners[i % len(learners)])
            if i < warmup:
                if rec.error:
                    log(f"warm-up run failed: {rec.error}")
                progress(f"warm-up {i + 1}/{warmup}")
                continue
            records.append(rec)
            firsts = [r.first_ms for r in records if r.ok and r.first_ms is not None]
            progress(
                f"latency {i + 1 - warmup}/{runs}: first {fmt(rec.first_ms)} ms, final "
                f"{fmt(rec.final_ms)} ms, p50 first so far {fmt(pct(firsts)['p50'])} ms"
                + (f", errors {sum(1 for r in records if r.error)}" if rec.error else "")
            )
    finally:
        await client.close()
    progress_clear()
    return records


async def throughput(
    base: str, exercise: ExerciseFiles, learners: list[Learner], seconds: float, ramp: float,
    timeout: float, label: str, meter: CpuMeter,
) -> tuple[list[RunRecord], float, float, dict[str, float]]:  # fmt: skip
    client = Client(base, exercise, timeout)
    records: list[RunRecord] = []
    start = time.time()
    stop_at = start + ramp + seconds
    cpu: dict[str, float] = {}

    async def measure_cpu() -> None:
        await asyncio.sleep(ramp)
        before = meter.snapshot()
        await asyncio.sleep(seconds)
        cpu.update(meter.diff(before, meter.snapshot()))

    async def loop(learner: Learner) -> None:
        while time.time() < stop_at:
            rec = await client.run(learner)
            records.append(rec)
            if rec.error and rec.http_status != 202:
                await asyncio.sleep(0.5)  # refused: do not spin

    async def show() -> None:
        while True:
            done = [r for r in records if r.ok and r.t0 + (r.final_ms or 0) / 1000 >= start + ramp]
            elapsed = time.time() - start
            progress(
                f"throughput {label}: {min(elapsed, ramp + seconds):5.1f}/{ramp + seconds:g} s, "
                f"{len(done)} runs finished in the window, "
                f"{sum(1 for r in records if r.error)} errors"
            )
            await asyncio.sleep(0.5)

    shower = asyncio.create_task(show())
    try:
        await asyncio.gather(measure_cpu(), *(loop(learner) for learner in learners))
    finally:
        shower.cancel()
        await client.close()
    progress_clear()
    return records, start + ramp, stop_at, cpu


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def pool_rss_mb(worker_pid: int) -> int | None:
    """Resident size of a Celery worker's largest pool process (its children), in MB."""
    try:
        children = Path(f"/proc/{worker_pid}/task/{worker_pid}/children").read_text().split()
    except OSError:
        return None
    sizes = []
    for pid in children:
        with contextlib.suppress(OSError, StopIteration, ValueError):
            status = Path(f"/proc/{pid}/status").read_text()
            line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
            sizes.append(int(line.split()[1]) // 1024)
    return max(sizes) if sizes else None


def rss_mb() -> int:
    status = Path("/proc/self/status").read_text()
    return int(next(x for x in status.splitlines() if x.startswith("VmRSS:")).split()[1]) // 1024


def bare_run(exercise: ExerciseFiles, module: str, source: str, tests: list[str]) -> float:
    """The probes run by bare python3 in a plain directory: milliseconds to the end."""
    from apps.exercises import sandbox

    folder = Path(tempfile.mkdtemp(prefix="bare-"))
    read_results, write_results = os.pipe()
    try:
        (folder / "solution.py").write_text(exercise.solution)
        (folder / f"{module}.py").write_text(source)
        (folder / "harness.py").write_bytes(sandbox.HARNESS.read_bytes())
        manifest = {"results_fd": write_results, "per_test_seconds": 2.0, "module": module,
                    "tests": tests}  # fmt: skip
        (folder / "manifest.json").write_text(json.dumps(manifest))
        started = time.perf_counter()
        process = subprocess.Popen(
            ["/usr/bin/python3", "-I", "-S", "-B", str(folder / "harness.py")],
            cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            pass_fds=(write_results,),
        )  # fmt: skip
        os.close(write_results)
        write_results = -1
        data = b""
        while chunk := os.read(read_results, 65536):
            data += chunk
        process.wait()
        elapsed = (time.perf_counter() - started) * 1000
    finally:
        os.close(read_results)
        if write_results != -1:
            os.close(write_results)
        shutil.rmtree(folder, ignore_errors=True)
    if data.count(b"\n") != len(tests) or process.returncode != 0:
        raise SystemExit(f"the bare run went wrong ({process.returncode}): {data[:300]!r}")
    return elapsed


def sandbox_overhead(
    exercise: ExerciseFiles, rounds: int, warmup: int, heap_mb: int
) -> dict[str, Any]:
    from django.conf import settings

    from apps.exercises import grading, sandbox

    available, why = sandbox.sandbox_available()
    if not available:
        raise SystemExit(f"the sandbox cannot run here: {why}")
    ballast = [bytearray(1 << 20) for _ in range(max(0, heap_mb - rss_mb()))]  # touched pages
    for chunk in ballast:
        chunk[::4096] = b"x" * len(chunk[::4096])
    visible = grading.test_names(exercise.visible_source)
    hidden = grading.test_names(exercise.hidden_source) if exercise.hidden_source.strip() else []

    def phase(sandboxed: bool) -> float:
        saved = (sandbox._available, settings.EXERCISES_ALLOW_UNSANDBOXED)
        if not sandboxed:
            sandbox._available = (False, "bench")
            settings.EXERCISES_ALLOW_UNSANDBOXED = True
        try:
            started = time.perf_counter()
            result = sandbox.run_phase(
                solution=exercise.solution, module_file="test_visible.py",
                source=exercise.visible_source, tests=visible,
            )  # fmt: skip
            elapsed = (time.perf_counter() - started) * 1000
        finally:
            sandbox._available, settings.EXERCISES_ALLOW_UNSANDBOXED = saved
        if result.sandboxed != sandboxed or len(result.records) != len(visible):
            raise SystemExit(f"the phase went wrong: {result}")
        return elapsed

    def submit() -> float:
        started = time.perf_counter()
        result = grading.grade(
            solution=exercise.solution, visible=exercise.visible_source,
            hidden=exercise.hidden_source, expected=exercise.expected, submit=True,
            time_limit_s=exercise.time_limit_s,
        )  # fmt: skip
        elapsed = (time.perf_counter() - started) * 1000
        if result.status != "passed":
            raise SystemExit(f"the graded submit went wrong: {result.status} {result.reason}")
        return elapsed

    def bare_submit() -> float:
        total = bare_run(exercise, "test_visible", exercise.visible_source, visible)
        if hidden:
            total += bare_run(exercise, "test_hidden", exercise.hidden_source, hidden)
        return total

    variants = {
        "bare": lambda: bare_run(exercise, "test_visible", exercise.visible_source, visible),
        "phase_unsandboxed": lambda: phase(False),
        "phase_sandboxed": lambda: phase(True),
        "bare_submit": bare_submit,
        "submit_graded": submit,
    }
    names = list(variants)
    rows: list[dict[str, float]] = []
    for i in range(warmup + rounds):
        order = names[i % len(names) :] + names[: i % len(names)]
        row = {name: variants[name]() for name in order}
        if i >= warmup:
            rows.append(row)
        progress(
            f"sandbox rounds {max(0, i + 1 - warmup)}/{rounds}" + (" (warm-up)" * (i < warmup))
        )
    progress_clear()
    column = {name: [r[name] for r in rows] for name in names}
    phase_overhead = [r["phase_sandboxed"] - r["bare"] for r in rows]
    platform_overhead = [r["phase_unsandboxed"] - r["bare"] for r in rows]
    submit_overhead = [r["submit_graded"] - r["bare_submit"] for r in rows]
    return {
        "rounds": rounds,
        "warmup_rounds": warmup,
        "heap_mb": rss_mb(),
        "visible_tests": len(visible),
        "hidden_tests": len(hidden),
        "ms": {name: pct(values) for name, values in column.items()},
        "overhead_phase_ms": pct(phase_overhead),
        "overhead_platform_unsandboxed_phase_ms": pct(platform_overhead),
        "overhead_submit_ms": pct(submit_overhead),
        "rows": rows,
    }


# --------------------------------------------------------------------------- summaries


def attach_server_times(records: list[RunRecord]) -> None:
    times = server_times([r.run_id for r in records if r.run_id is not None])
    for rec in records:
        if rec.run_id in times:
            rec.server = times[rec.run_id]


def breakdown(records: list[RunRecord]) -> dict[str, Any]:
    """Where the time of a run goes (p50/p99 of each step, ms)."""
    steps: dict[str, list[float]] = {
        "post_to_row_inserted": [],  # request start → queued_at (in the view)
        "post_response": [],  # → 202 received
        "queued_to_started": [],  # commit, broker, worker picks it up, marks it running
        "started_to_first_result": [],  # sandbox start, first test, commit, broadcast, socket
        "first_to_final_result": [],
        "started_to_finished": [],  # the worker's whole execution (finished_at)
        "finished_to_final_frame": [],  # commit → broadcast → socket
        "worker_run_tests": [],  # run_tests in the worker (duration_ms)
        "socket_open_to_state": [],  # POST 202 → state frame
    }
    for r in records:
        if not r.ok:
            continue
        s = r.server
        t0 = r.t0
        q, st, fi = s.get("queued"), s.get("started"), s.get("finished")
        first_abs = t0 + (r.first_ms or 0) / 1000
        final_abs = t0 + (r.final_ms or 0) / 1000
        if q is not None:
            steps["post_to_row_inserted"].append((q - t0) * 1000)
        if r.post_ms is not None:
            steps["post_response"].append(r.post_ms)
        if q is not None and st is not None:
            steps["queued_to_started"].append((st - q) * 1000)
        if st is not None and r.first_ms is not None:
            steps["started_to_first_result"].append((first_abs - st) * 1000)
        if r.first_ms is not None and r.final_ms is not None:
            steps["first_to_final_result"].append(r.final_ms - r.first_ms)
        if st is not None and fi is not None:
            steps["started_to_finished"].append((fi - st) * 1000)
        if fi is not None:
            steps["finished_to_final_frame"].append((final_abs - fi) * 1000)
        if r.worker_ms is not None:
            steps["worker_run_tests"].append(float(r.worker_ms))
        if r.open_ms is not None and r.post_ms is not None:
            steps["socket_open_to_state"].append(r.open_ms - r.post_ms)
    return {name: pct(values) for name, values in steps.items()}


def latency_summary(records: list[RunRecord]) -> dict[str, Any]:
    ok = [r for r in records if r.ok]
    return {
        "runs": len(records),
        "errors": len(records) - len(ok),
        "error_samples": sorted({r.error for r in records if r.error})[:5],
        "first_result_ms": pct([r.first_ms for r in ok if r.first_ms is not None]),
        "final_result_ms": pct([r.final_ms for r in ok if r.final_ms is not None]),
        "first_from_state_frame": sum(1 for r in ok if r.first_from == "state"),
        "final_from_state_frame": sum(1 for r in ok if r.final_from == "state"),
        "gaps_repaired": sum(r.gaps for r in records),
        "breakdown_ms": breakdown(records),
    }


def throughput_summary(
    records: list[RunRecord], window_start: float, window_end: float, concurrency: int,
    learners: int,
) -> dict[str, Any]:  # fmt: skip
    finished = [
        r for r in records if r.ok and window_start <= r.t0 + (r.final_ms or 0) / 1000 <= window_end
    ]
    minutes = (window_end - window_start) / 60
    per_minute = len(finished) / minutes if minutes > 0 else 0.0
    return {
        "worker_concurrency": concurrency,
        "learners": learners,
        "window_s": round(window_end - window_start, 1),
        "runs_finished_in_window": len(finished),
        "runs_per_minute": round(per_minute, 1),
        "runs_per_minute_per_worker_process": round(per_minute / concurrency, 1),
        "errors": sum(1 for r in records if r.error),
        "error_samples": sorted({r.error for r in records if r.error})[:5],
        "first_result_ms_under_load": pct([r.first_ms for r in finished if r.first_ms]),
        "final_result_ms_under_load": pct([r.final_ms for r in finished if r.final_ms]),
        "breakdown_ms": breakdown(finished),
    }


def print_report(result: dict[str, Any]) -> None:
    lat = result.get("latency")
    lines = [""]
    ex = result["exercise"]
    lines.append(
        f"Exercise {ex['slug']} (submit: {ex['visible_tests']} visible + {ex['hidden_tests']} "
        f"hidden = {ex['visible_tests'] + ex['hidden_tests']} tests), "
        f"{result['machine']['cpus']} CPUs, {result['config']['web_workers']} web workers"
    )
    lines.append("")
    lines.append("| measure | p50 ms | p99 ms | n |")
    lines.append("| --- | ---: | ---: | ---: |")
    if lat:
        for label, key in (
            ("submit → first result", "first_result_ms"),
            ("submit → final result", "final_result_ms"),
        ):
            lines.append(f"| {label} | {lat[key]['p50']} | {lat[key]['p99']} | {lat[key]['n']} |")
    sb = result.get("sandbox")
    if sb:
        labels = {
            "bare": "bare python3, visible probes",
            "phase_unsandboxed": "run_phase, sandbox off",
            "phase_sandboxed": "run_phase, sandboxed (a Run)",
            "bare_submit": "bare python3, visible + hidden",
            "submit_graded": "graded submit, two sandboxes",
        }
        for key, label in labels.items():
            lines.append(f"| {label} | {sb['ms'][key]['p50']} | {sb['ms'][key]['p99']} | "
                         f"{sb['ms'][key]['n']} |")  # fmt: skip
        for key, label in (
            ("overhead_phase_ms", "overhead of a sandboxed phase (paired)"),
            ("overhead_platform_unsandboxed_phase_ms", "  of which the platform without it"),
            ("overhead_submit_ms", "overhead of a graded submit (paired)"),
        ):
            lines.append(f"| {label} | {sb[key]['p50']} | {sb[key]['p99']} | {sb[key]['n']} |")
        lines.append(f"(part B's heap: {sb['heap_mb']} MB)")
    for tp in result.get("throughput", []):
        lines.append("")
        lines.append(
            f"worker -c {tp['worker_concurrency']}, {tp['learners']} learners: "
            f"{tp['runs_per_minute']} runs/min = {tp['runs_per_minute_per_worker_process']} "
            f"runs/min per worker process ({tp['runs_finished_in_window']} runs in "
            f"{tp['window_s']} s, {tp['errors']} errors); under load first/final p50 "
            f"{tp['first_result_ms_under_load']['p50']}/{tp['final_result_ms_under_load']['p50']}"
            " ms"
        )
        lines.append(f"  CPU, % of one core: {tp['cpu_percent_of_one_core']}")
    if lat:
        lines.append("")
        lines.append(f"Sequential runs, CPU, % of one core: {lat['cpu_percent_of_one_core']}")
        lines.append("Where a sequential run's time goes (p50 / p99 ms):")
        for name, values in lat["breakdown_ms"].items():
            lines.append(f"  {name:28} {values['p50']:>8} / {values['p99']}")
    lines.append("")
    lines.append(
        f"load average (1 min) at start {result['machine']['loadavg_start']}, "
        f"at the end {result['machine'].get('loadavg_end')}"
    )
    for name, verdict in result["targets"].items():
        lines.append(f"target {name}: {verdict}")
    print("\n".join(lines))


# --------------------------------------------------------------------------- main


def interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM: stop the servers as Ctrl-C does


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--exercise", default="latency-percentiles", help="an exercise slug")
    parser.add_argument("--runs", type=int, default=100, help="sequential runs (latency)")
    parser.add_argument("--warmup", type=int, default=6, help="uncounted runs first")
    parser.add_argument("--learners", type=int, default=8, help="concurrent learners")
    parser.add_argument("--throughput-seconds", type=float, default=60.0)
    parser.add_argument("--ramp", type=float, default=5.0, help="seconds not counted first")
    parser.add_argument(
        "--concurrency", default="1,2", help="worker pool sizes for the throughput phase"
    )
    parser.add_argument("--sandbox-runs", type=int, default=50, help="rounds in part B")
    parser.add_argument("--sandbox-warmup", type=int, default=3)
    parser.add_argument(
        "--heap-mb", type=int, default=0,
        help="part B's heap (default: part A's pool process, else 200)",
    )  # fmt: skip
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30.0, help="per run (s)")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/backend_academy_exbench"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379")
    parser.add_argument("--broker-db", type=int, default=11)
    parser.add_argument("--cache-db", type=int, default=12)
    parser.add_argument("--log-level", default="INFO", help="the servers' LOG_LEVEL")
    parser.add_argument("--skip-setup", action="store_true", help="no migrate / content import")
    parser.add_argument("--skip-e2e", action="store_true", help="part B only")
    parser.add_argument("--skip-sandbox", action="store_true", help="part A only")
    args = parser.parse_args()
    args.concurrency = [int(c) for c in args.concurrency.split(",") if c.strip()]
    args.secret_key = secrets.token_urlsafe(64)
    if args.broker_db in {0, 1, 2} or args.cache_db in {0, 1, 2}:
        parser.error("use Redis databases other than 0-2 (a running site's)")
    return args


def main() -> int:
    args = parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: the sandbox gives each run its own uid (see the docstring)")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    port = free_port()
    db_name = urlsplit(args.database_url).path.lstrip("/")
    base = f"http://127.0.0.1:{port}"
    env = child_env(args, port)
    signal.signal(signal.SIGTERM, interrupt)
    procs: list[Proc] = []
    result: dict[str, Any] = {
        "started": stamp,
        "machine": machine(),
        "config": {
            k: v for k, v in vars(args).items() if k not in {"secret_key"} and not callable(v)
        },
        "targets": {},
    }
    try:
        if not args.skip_setup:
            ensure_database(args.database_url)
            log("migrate + setup_site (exercise import)")
            manage(env, "migrate", "--noinput", "--verbosity", "0")
            manage(env, "setup_site", "--verbosity", "0")
        django_setup(env)
        exercise = exercise_files(args.exercise)
        result["exercise"] = {
            "slug": exercise.slug,
            "folder": exercise.folder,
            "visible_tests": exercise.visible,
            "hidden_tests": exercise.hidden,
            "solution_bytes": len(exercise.solution.encode()),
        }
        if not args.skip_e2e:
            flush_redis(args)
            learners = make_learners(max(args.learners, 1))
            log(f"{len(learners)} learners ready; starting gunicorn on {base}")
            web = start_web(env, OUT_DIR / f"exercises-{stamp}-gunicorn.log")
            procs.append(web)
            wait_web(web, base)
            result["throughput"] = []
            for index, concurrency in enumerate(sorted(set(args.concurrency) | {1})):
                log(f"starting the Celery worker: -Q exercises -c {concurrency}")
                worker, name = start_worker(
                    env, concurrency, OUT_DIR / f"exercises-{stamp}-worker-c{concurrency}.log"
                )
                procs.append(worker)
                wait_worker(worker, name)
                if index == 0:  # concurrency 1: the latency phase first
                    log(f"latency: {args.runs} sequential runs (+{args.warmup} warm-up)")
                    meter = CpuMeter({"gunicorn": web.proc.pid, "worker": worker.proc.pid}, db_name)
                    before = meter.snapshot()
                    records = asyncio.run(
                        sequential(base, exercise, learners, args.runs, args.warmup, args.timeout)
                    )
                    cpu = meter.diff(before, meter.snapshot())
                    attach_server_times(records)
                    result["latency"] = latency_summary(records)
                    result["latency"]["cpu_percent_of_one_core"] = cpu
                    result["latency_runs"] = [asdict(r) for r in records]
                    lat = result["latency"]
                    log(
                        f"  first p50/p99 {lat['first_result_ms']['p50']}/"
                        f"{lat['first_result_ms']['p99']} ms, final p50/p99 "
                        f"{lat['final_result_ms']['p50']}/{lat['final_result_ms']['p99']} ms, "
                        f"errors {lat['errors']}"
                    )
                else:  # warm the new pool's processes
                    asyncio.run(
                        sequential(base, exercise, learners, 0, 2 * concurrency, args.timeout)
                    )
                if concurrency in args.concurrency and args.throughput_seconds > 0:
                    log(
                        f"throughput: {len(learners)} learners for {args.throughput_seconds:g} s "
                        f"(+{args.ramp:g} s ramp), worker -c {concurrency}"
                    )
                    meter = CpuMeter({"gunicorn": web.proc.pid, "worker": worker.proc.pid}, db_name)
                    records, w_start, w_end, cpu = asyncio.run(
                        throughput(
                            base, exercise, learners, args.throughput_seconds, args.ramp,
                            args.timeout, f"-c {concurrency}", meter,
                        )
                    )  # fmt: skip
                    attach_server_times(records)
                    tp = throughput_summary(records, w_start, w_end, concurrency, len(learners))
                    tp["cpu_percent_of_one_core"] = cpu
                    tp["runs"] = [asdict(r) for r in records]
                    result["throughput"].append(tp)
                    log(
                        f"  {tp['runs_per_minute']} runs/min, "
                        f"{tp['runs_per_minute_per_worker_process']} per worker process, "
                        f"errors {tp['errors']}"
                    )
                rss = pool_rss_mb(worker.proc.pid)
                if rss:
                    result["worker_pool_rss_mb"] = max(rss, result.get("worker_pool_rss_mb", 0))
                worker.stop()
                procs.remove(worker)
            web.stop()
            procs.remove(web)
        if not args.skip_sandbox:
            heap = args.heap_mb or result.get("worker_pool_rss_mb") or 200
            log(f"sandbox overhead: {args.sandbox_runs} rounds (+{args.sandbox_warmup} warm-up),"
                f" heap {heap} MB")  # fmt: skip
            result["sandbox"] = sandbox_overhead(
                exercise, args.sandbox_runs, args.sandbox_warmup, heap
            )
    except KeyboardInterrupt:
        progress_clear()
        log("interrupted: stopping gunicorn and the worker")
        return 130
    finally:
        for proc in reversed(procs):
            proc.stop(grace=10)
    result["machine"]["loadavg_end"] = round(os.getloadavg()[0], 2)
    lat, sb = result.get("latency"), result.get("sandbox")
    if lat and lat["first_result_ms"]["p50"] is not None:
        p50 = lat["first_result_ms"]["p50"]
        limit = TARGETS["first_result_p50_ms"]
        result["targets"]["first result p50 < 400 ms"] = (
            f"{'met' if p50 < limit else 'MISSED'} ({p50} ms)"
        )
    if sb:
        limit = TARGETS["sandbox_overhead_ms"]
        for key, what in (("overhead_submit_ms", "a submit"), ("overhead_phase_ms", "a run")):
            overhead = sb[key]["p50"]
            result["targets"][f"sandbox overhead < {limit:g} ms for {what}"] = (
                f"{'met' if overhead < limit else 'MISSED'} (paired p50 {overhead} ms, "
                f"p90 {sb[key]['p90']} ms, over bare python3, heap {sb['heap_mb']} MB)"
            )
    path = OUT_DIR / f"exercises-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    print_report(result)
    print(f"\nwrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
