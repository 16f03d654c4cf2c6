"""A live code lab under load: N learners submitting every 10-20 s while the host's board
follows, on the real stack.

    sudo .venv/bin/python bench/lab_bench.py                        # 30 learners, 120 s
    sudo .venv/bin/python bench/lab_bench.py --learners 60 --seconds 180 --concurrency 2

Needs what bench/exercise_bench.py needs (root for the sandbox's per-run uids, bubblewrap,
PostgreSQL and Redis on 127.0.0.1) and reuses its helpers: services mode with
``DJANGO_ENV=production``, migrations and ``setup_site`` (the exercise import), gunicorn
with config/gunicorn.py (``--web-workers`` uvicorn ASGI workers) and ONE Celery worker on
the ``exercises`` queue (``-c --concurrency``, prefork). The learners' per-user run limit
is raised as there (``EXERCISES_RUN_LIMIT``; the check still runs).

In this process: a host and ``--learners`` learner accounts (tokens, browser sessions),
a lab of ``--exercise`` started and joined through the services. Then, for ``--seconds``:

* every learner's lab panel: ``/ws/labs/<code>/`` open throughout (queue places arrive
  there, coalesced: ``LABS_QUEUE_BROADCAST_MS``);
* the host's board: one websocket ``/ws/labs/<code>/host/`` (session cookie, Origin),
  following ``seq`` as the page does (a gap is counted and repaired with ``sync``); every
  ``board`` frame's learner lines are kept with their arrival time;
* each learner, after a random start within the first ``--max-gap`` seconds, loops: wait
  ``--min-gap``-``--max-gap`` seconds (uniform), POST
  ``/api/v1/labs/<code>/exercises/<slug>/runs/`` (bearer token; two runs in three are a
  *Submit* of the reference solution, one in three a *Run* of the starter code, which
  fails), then follow ``/ws/exercises/runs/<id>/`` to the end, as the exercise page does.

Measures (nearest-rank percentiles):

* queue wait: the run's ``started_at - queued_at`` (from the database afterwards);
* submit → first result: from just before the POST to the first frame carrying a test
  result (client clock);
* run → board update: from the run's ``finished_at`` to the arrival on the host's socket
  of the board line whose ``last_run`` is that run with its final status;
* runs per minute finished during the window; the queue place the POST answered;
* nothing lost: every finished lab run is recorded on the board (``LabRun.recorded``), the
  board's run counts add up to the runs made, and every run's final line reached the
  host's board, as a line or in a snapshot (a snapshot read after a line's commit may reach
  the socket before the line itself).

Results: a table on stdout and ``var/bench/labs-<timestamp>.json``; servers' logs next to it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import sys
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import exercise_bench as eb  # noqa: E402  (the shared helpers of the exercise benchmark)

ROOT = eb.ROOT
OUT_DIR = eb.OUT_DIR
FINISHED = eb.FINISHED


@dataclass
class LabRunRecord:
    learner: str
    mode: str
    t0: float = 0.0
    run_id: int | None = None
    http_status: int | None = None
    place: int | None = None
    post_ms: float | None = None  # the POST's round trip (the run committed and queued)
    first_ms: float | None = None
    final_ms: float | None = None
    status: str = ""
    error: str = ""


@dataclass
class Board:
    frames: int = 0
    snapshots: int = 0
    gaps: int = 0
    seen: dict[int, float] = field(default_factory=dict)  # run id -> arrival (epoch s)
    panel_frames: Counter[str] = field(default_factory=Counter)  # learners' lab sockets


def make_host() -> tuple[str, str]:
    """The host's account (created once) and a fresh browser session."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from apps.accounts import services as accounts
    from apps.accounts.models import User

    user = User.objects.filter(username="labbench-host").first()
    if user is None:
        user = accounts.user_create(
            username="labbench-host",
            email="labbench-host@example.com",
            password=secrets.token_urlsafe(16),
        )
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return str(user.pk), str(session.session_key)


def start_lab(host_id: str, slug: str, learners: list[eb.Learner]) -> tuple[int, str]:
    from apps.accounts.models import User
    from apps.labs import services
    from apps.labs.models import Lab, LabStatus

    host = User.objects.get(pk=host_id)
    for lab in Lab.objects.filter(host=host).exclude(status=LabStatus.ENDED):
        services.lab_end(lab_id=lab.pk, user=host)
    lab = services.lab_create(host=host, exercise_slugs=[slug], title="Lab benchmark")
    for learner in learners:
        services.lab_join(lab_id=lab.pk, user=User.objects.get(username=learner.username))
    return lab.pk, lab.code


async def follow_board(
    base: str, code: str, session: str, board: Board, stop: asyncio.Event
) -> None:
    from websockets.asyncio.client import connect

    ws_base = "ws" + base[len("http") :]
    last = -1
    ahead: dict[int, float] = {}
    async with connect(
        f"{ws_base}/ws/labs/{code}/host/",
        origin=base,  # type: ignore[arg-type]
        additional_headers={"Cookie": f"sessionid={session}"},
        max_size=8 * 1024 * 1024,
    ) as ws:
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                continue
            now = time.time()
            frame = json.loads(raw)
            if frame.get("type") == "board_state":
                board.snapshots += 1
                for item in frame["board"]["items"]:  # a line can reach the board this way
                    for row in item["rows"]:
                        if row.get("last_run") and row.get("last_status") in FINISHED:
                            board.seen.setdefault(int(row["last_run"]), now)
                last = max(last, frame["seq"])
                for seq in [s for s in ahead if s <= last]:
                    del ahead[seq]
                while last + 1 in ahead:
                    del ahead[last + 1]
                    last += 1
                continue
            if frame.get("type") != "board":
                continue
            board.frames += 1
            seq = frame["seq"]
            for row in frame.get("rows") or []:
                if row.get("last_run") and row.get("last_status") in FINISHED:
                    board.seen.setdefault(int(row["last_run"]), now)
            if seq <= last or seq in ahead:
                continue  # already in the board (a snapshot may overtake a line)
            ahead[seq] = now  # applied at once, as the page does; gaps wait a second
            while last + 1 in ahead:
                del ahead[last + 1]
                last += 1
            if ahead and now - min(ahead.values()) > 1.0:
                board.gaps += 1
                ahead.clear()
                await ws.send(json.dumps({"type": "sync"}))


async def learner_panel(base: str, code: str, learner: eb.Learner, counts: Counter[str],
                        stop: asyncio.Event) -> None:  # fmt: skip
    """The learner's lab panel: ``/ws/labs/<code>/``, open for the whole room, counting the
    frames it gets (queue places, events)."""
    from websockets.asyncio.client import connect

    ws_base = "ws" + base[len("http") :]
    async with connect(
        f"{ws_base}/ws/labs/{code}/",
        origin=base,  # type: ignore[arg-type]
        additional_headers={"Cookie": f"sessionid={learner.session}"},
    ) as ws:
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                continue
            counts[json.loads(raw).get("type", "?")] += 1


async def one_run(http: Any, base: str, code: str, slug: str, learner: eb.Learner, mode: str,
                  source: str, timeout: float) -> LabRunRecord:  # fmt: skip
    from websockets.asyncio.client import connect

    rec = LabRunRecord(learner=learner.username, mode=mode)
    rec.t0 = time.time()
    try:
        response = await http.post(
            f"/api/v1/labs/{code}/exercises/{slug}/runs/",
            json={"code": source, "mode": mode, "key": uuid.uuid4().hex},
            headers={"Authorization": f"Bearer {learner.token}"},
        )
    except Exception as exc:
        rec.error = f"POST: {type(exc).__name__}: {exc}"
        return rec
    rec.http_status = response.status_code
    rec.post_ms = (time.time() - rec.t0) * 1000
    if response.status_code != 202:
        rec.error = f"POST {response.status_code}: {response.text[:200]}"
        return rec
    body = response.json()
    rec.run_id, rec.place = int(body["id"]), body.get("queue_position")
    ws_base = "ws" + base[len("http") :]
    last = -1
    try:
        async with asyncio.timeout(timeout):
            async with connect(
                f"{ws_base}/ws/exercises/runs/{rec.run_id}/",
                origin=base,  # type: ignore[arg-type]
                additional_headers={"Cookie": f"sessionid={learner.session}"},
            ) as ws:
                async for raw in ws:
                    now = (time.time() - rec.t0) * 1000
                    frame = json.loads(raw)
                    kind, seq = frame.get("type"), int(frame.get("seq", -1))
                    if kind == "state":
                        last = max(last, seq)
                        state = frame["run"]
                        if state.get("tests") and rec.first_ms is None:
                            rec.first_ms = now
                        if state.get("status") in FINISHED:
                            rec.final_ms, rec.status = now, state["status"]
                            break
                        continue
                    if seq <= last:
                        continue
                    if seq > last + 1:
                        await ws.send(json.dumps({"type": "sync"}))
                        continue
                    last = seq
                    if kind == "test" and rec.first_ms is None:
                        rec.first_ms = now
                    elif kind == "done":
                        rec.final_ms, rec.status = now, frame["status"]
                        break
    except TimeoutError:
        rec.error = f"no final result within {timeout:g} s"
    except Exception as exc:
        rec.error = f"ws: {type(exc).__name__}: {exc}"
    return rec


async def room(args: argparse.Namespace, base: str, code: str, slug: str, solution: str,
               starter: str, learners: list[eb.Learner], host_session: str,
               ) -> tuple[list[LabRunRecord], Board, float, float]:  # fmt: skip
    import httpx

    board = Board()
    stop = asyncio.Event()
    records: list[LabRunRecord] = []
    http = httpx.AsyncClient(base_url=base, timeout=args.timeout)
    watcher = asyncio.create_task(follow_board(base, code, host_session, board, stop))
    panels = [
        asyncio.create_task(learner_panel(base, code, learner, board.panel_frames, stop))
        for learner in learners
    ]
    await asyncio.sleep(1.0)  # the first snapshot, every panel's state
    start = time.time()
    end = start + args.seconds
    rng = random.Random(args.seed)

    async def learner_loop(learner: eb.Learner, offset: float) -> None:
        await asyncio.sleep(offset)
        turn = 0
        while time.time() < end:
            mode, source = ("run", starter) if turn % 3 == 2 else ("submit", solution)
            turn += 1
            rec = await one_run(http, base, code, slug, learner, mode, source, args.timeout)
            records.append(rec)
            await asyncio.sleep(rng.uniform(args.min_gap, args.max_gap))

    async def show() -> None:
        while True:
            eb.progress(
                f"{time.time() - start:5.0f}/{args.seconds:g} s: {len(records)} runs, "
                f"{sum(1 for r in records if r.error)} errors, board frames {board.frames}"
            )
            await asyncio.sleep(1)

    shower = asyncio.create_task(show())
    try:
        await asyncio.gather(
            *(learner_loop(learner, rng.uniform(0, args.max_gap)) for learner in learners)
        )
        await asyncio.sleep(args.settle)  # the last board lines
    finally:
        shower.cancel()
        stop.set()
        await watcher
        await asyncio.gather(*panels, return_exceptions=True)
        await http.aclose()
    eb.progress_clear()
    return records, board, start, end


def database_facts(lab_id: int, ids: list[int]) -> dict[str, Any]:
    from django.db.models import Sum

    from apps.exercises.models import Run
    from apps.labs.models import LabProgress, LabRun

    runs = {
        row["id"]: row
        for row in Run.objects.filter(pk__in=ids).values(
            "id", "status", "queued_at", "started_at", "finished_at"
        )
    }
    return {
        "runs": runs,
        "unrecorded": LabRun.objects.filter(lab_id=lab_id, recorded=False).count(),
        "lab_runs": LabRun.objects.filter(lab_id=lab_id).count(),
        "board_run_total": LabProgress.objects.filter(lab_id=lab_id).aggregate(n=Sum("runs"))["n"]
        or 0,
    }


def summarise(records: list[LabRunRecord], board: Board, facts: dict[str, Any], start: float,
              end: float) -> dict[str, Any]:  # fmt: skip
    ok = [r for r in records if r.run_id is not None and not r.error]
    runs = facts["runs"]
    waits, to_board, finished_in_window = [], [], 0
    missing_on_board = 0
    waits_of: dict[str, list[float]] = {}
    start_to_first: list[float] = []  # worker start -> first result on the learner's socket
    for rec in ok:
        row = runs.get(rec.run_id)
        if row is None or row["status"] not in FINISHED:
            continue
        if row["started_at"] and row["queued_at"]:
            wait = (row["started_at"] - row["queued_at"]).total_seconds() * 1000
            waits.append(wait)
            waits_of.setdefault(rec.learner, []).append(wait)
            if rec.first_ms is not None:
                started = row["started_at"].timestamp()
                start_to_first.append(rec.first_ms - (started - rec.t0) * 1000)
        finished = row["finished_at"].timestamp() if row["finished_at"] else None
        if finished and start <= finished <= end:
            finished_in_window += 1
        seen = board.seen.get(rec.run_id)
        if seen is None:
            missing_on_board += 1
        elif finished:
            to_board.append((seen - finished) * 1000)
    made = [r for r in records if r.run_id is not None]
    per_learner = Counter(r.learner for r in made)
    # Fairness: each learner's mean queue wait against the room's mean.
    means = [sum(w) / len(w) for w in waits_of.values() if w]
    room_mean = sum(waits) / len(waits) if waits else 0.0
    fairness = {
        "room_mean_wait_ms": round(room_mean, 1),
        "learner_mean_wait_ms": eb.pct(means),
        "worst_learner_over_room_mean": round(max(means) / room_mean, 2)
        if means and room_mean
        else None,
        "learners_within_2x_of_mean": sum(1 for m in means if m <= 2 * room_mean),
        "learners": len(means),
    }
    return {
        "runs_made": len(made),
        "runs_per_learner": {  # fairness: nobody's runs crowd out another's
            "min": min(per_learner.values(), default=0),
            "max": max(per_learner.values(), default=0),
        },
        "errors": sum(1 for r in records if r.error),
        "error_samples": sorted({r.error[:120] for r in records if r.error})[:5],
        "queue_wait_ms": eb.pct(waits),
        "fairness": fairness,
        "post_ms": eb.pct([r.post_ms for r in made if r.post_ms is not None]),
        "worker_start_to_first_result_ms": eb.pct(start_to_first),
        "submit_to_first_result_ms": eb.pct([r.first_ms for r in ok if r.first_ms is not None]),
        "submit_to_final_ms": eb.pct([r.final_ms for r in ok if r.final_ms is not None]),
        "run_to_board_ms": eb.pct(to_board),
        "queue_place_at_post": eb.pct([float(r.place) for r in made if r.place is not None]),
        "runs_per_minute": round(finished_in_window / ((end - start) / 60), 1),
        "board": {
            "frames": board.frames,
            "snapshots": board.snapshots,
            "seq_gaps_repaired": board.gaps,
        },
        "learner_panels": dict(board.panel_frames),
        "lost": {
            "finished_runs_not_recorded": facts["unrecorded"],
            "board_run_count": facts["board_run_total"],
            "lab_runs": facts["lab_runs"],
            "final_lines_never_on_the_board": missing_on_board,
        },
    }


def print_report(result: dict[str, Any]) -> None:
    s = result["summary"]
    print()
    print(f"Code lab: {result['config']['learners']} learners, {result['config']['seconds']:g} s, "
          f"worker -c {result['config']['concurrency']}, {s['runs_made']} runs, "
          f"{s['errors']} errors")  # fmt: skip
    print(f"{'measure':40} {'p50':>9} {'p99':>9} {'n':>6}")
    for label, key in (
        ("POST (run committed and queued)", "post_ms"),
        ("queue wait (started - queued)", "queue_wait_ms"),
        ("worker start -> first result", "worker_start_to_first_result_ms"),
        ("submit -> first result", "submit_to_first_result_ms"),
        ("submit -> final result", "submit_to_final_ms"),
        ("run finished -> board line", "run_to_board_ms"),
    ):
        p = s[key]
        print(f"{label:40} {eb.fmt(p['p50']):>7} ms {eb.fmt(p['p99']):>6} ms {p['n']:>6}")
    print(f"runs per minute: {s['runs_per_minute']}; queue place at POST p50/max "
          f"{s['queue_place_at_post']['p50']}/{s['queue_place_at_post']['max']}")  # fmt: skip
    spread = s["runs_per_learner"]
    print(f"runs per learner min/max: {spread['min']}/{spread['max']}")
    fair = s["fairness"]
    print(f"fairness: room mean wait {fair['room_mean_wait_ms']} ms; worst learner's mean "
          f"{fair['worst_learner_over_room_mean']}x of it; {fair['learners_within_2x_of_mean']}"
          f" of {fair['learners']} learners within 2x")  # fmt: skip
    print(f"board: {s['board']}; lost: {s['lost']}")
    print(f"frames on the learners' lab sockets: {s['learner_panels']}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--exercise", default="latency-percentiles", help="an exercise slug")
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--min-gap", type=float, default=10.0)
    parser.add_argument("--max-gap", type=float, default=20.0)
    parser.add_argument("--settle", type=float, default=5.0, help="seconds after the window")
    parser.add_argument("--concurrency", type=int, default=2, help="the worker's pool size")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60.0, help="per run (s)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/backend_academy_labbench"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379")
    parser.add_argument("--broker-db", type=int, default=13)
    parser.add_argument("--cache-db", type=int, default=14)
    parser.add_argument("--log-level", default="WARNING", help="the servers' LOG_LEVEL")
    parser.add_argument("--skip-setup", action="store_true", help="no migrate / content import")
    args = parser.parse_args()
    args.secret_key = secrets.token_urlsafe(64)
    if args.broker_db in {0, 1, 2} or args.cache_db in {0, 1, 2}:
        parser.error("use Redis databases other than 0-2 (a running site's)")
    return args


def main() -> int:
    args = parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: the sandbox gives each run its own uid")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    port = eb.free_port()
    base = f"http://127.0.0.1:{port}"
    env = eb.child_env(args, port)
    signal.signal(signal.SIGTERM, eb.interrupt)
    procs: list[eb.Proc] = []
    result: dict[str, Any] = {
        "started": stamp,
        "machine": eb.machine(),
        "config": {k: v for k, v in vars(args).items() if k != "secret_key"},
    }
    try:
        if not args.skip_setup:
            eb.ensure_database(args.database_url)
            eb.log("migrate + setup_site (exercise import)")
            eb.manage(env, "migrate", "--noinput", "--verbosity", "0")
            eb.manage(env, "setup_site", "--verbosity", "0")
        eb.django_setup(env)
        exercise = eb.exercise_files(args.exercise)
        from apps.exercises.models import Exercise

        starter = Exercise.objects.get(slug=args.exercise).starter_code
        eb.flush_redis(args)
        learners = eb.make_learners(args.learners)
        host_id, host_session = make_host()
        lab_id, code = start_lab(host_id, args.exercise, learners)
        eb.log(f"lab {code}: {len(learners)} learners joined; starting gunicorn on {base}")
        web = eb.start_web(env, OUT_DIR / f"labs-{stamp}-gunicorn.log")
        procs.append(web)
        eb.wait_web(web, base)
        worker, name = eb.start_worker(env, args.concurrency, OUT_DIR / f"labs-{stamp}-worker.log")
        procs.append(worker)
        eb.wait_worker(worker, name)
        eb.log(
            f"{args.seconds:g} s of learners submitting every {args.min_gap:g}-{args.max_gap:g} s"
        )
        records, board, start, end = asyncio.run(
            room(
                args, base, code, exercise.slug, exercise.solution, starter, learners, host_session
            )
        )
        facts = database_facts(lab_id, [r.run_id for r in records if r.run_id is not None])
        result["summary"] = summarise(records, board, facts, start, end)
        result["runs"] = [asdict(r) for r in records]
    except KeyboardInterrupt:
        eb.progress_clear()
        eb.log("interrupted: stopping gunicorn and the worker")
        return 130
    finally:
        for proc in reversed(procs):
            proc.stop(grace=10)
    result["machine"]["loadavg_end"] = round(os.getloadavg()[0], 2)
    path = OUT_DIR / f"labs-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    print_report(result)
    print(f"\nwrote {path.relative_to(ROOT)} (database {urlsplit(args.database_url).path[1:]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
