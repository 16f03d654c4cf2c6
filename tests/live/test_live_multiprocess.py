"""A live game across two real servers: gunicorn + uvicorn ASGI workers, channels-redis
and PostgreSQL, driven by `websockets` clients like browsers would be.

The host plays on server A; six players are split between A and B. Every question is
answered by every player (unique idempotency keys) and revealed by the host. In the
middle of the game server B is killed (SIGKILL, no graceful shutdown) while some of its
players' answers are in flight; they reconnect to A with backoff, resend what was not
acknowledged (same key) and play on. At the end:

* every player saw every public event in ``seq`` order, or a ``state`` snapshot that
  covers the ones it missed while it had no server;
* the acknowledged answers are exactly the ``LiveAnswer`` rows;
* the scores in the database are what the ``result`` and ``final`` frames said, and the
  reconnected players' snapshots carried their scores intact;
* every screen, on either server, got the same leaderboards, equal to the database's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from apps.live import selectors, services
from apps.live.models import LiveAnswer, LivePlayer, LiveSession
from tests.conftest import free_port
from tests.factories import UserFactory
from tests.quizzes.conftest import build_quiz, ids

ROOT = Path(__file__).resolve().parents[2]
PLAYERS = 6
KILL_AT = 2  # B dies while question 3 (index 2) is open
TIMEOUT = 15.0

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

Frame = dict[str, Any]


# --------------------------------------------------------------------------- servers
class Server:
    """One gunicorn (config/gunicorn.py, one uvicorn worker) in a process group of its own."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.log_path = log_dir / f"gunicorn-{name}.log"
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                # No control socket: gunicorn 27 puts one at a fixed path by default,
                # which two servers (or a developer's `make serve`) would share.
                [sys.executable, "-m", "gunicorn", "--no-control-socket",
                 "-c", "config/gunicorn.py", "config.asgi:application"],
                cwd=ROOT,
                env={**env, "BIND": f"127.0.0.1:{self.port}"},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def wait_ready(self, deadline: float) -> None:
        while True:
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(self.http + "/readyz", timeout=2) as response,
            ):
                if response.status == 200:
                    return
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} did not get ready:\n{self.log()}")
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL to master and worker at once: a crash, not a shutdown."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # the worker too, if it outlived it
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


@pytest.fixture
def servers(tmp_path: Path, transactional_db: None) -> Iterator[tuple[Server, Server]]:
    yield from _servers(tmp_path, {})


@pytest.fixture
def servers_without_a_worker(
    tmp_path: Path, transactional_db: None
) -> Iterator[tuple[Server, Server]]:
    """Two servers whose Celery tasks go nowhere (an in-memory broker in each process,
    no worker): a deadline's backstop task is lost with the process that sent it."""
    yield from _servers(tmp_path, {"CELERY_BROKER_URL": "memory://"})


def _servers(tmp_path: Path, extra_env: dict[str, str]) -> Iterator[tuple[Server, Server]]:
    from django.db import connection

    db = connection.settings_dict  # the test database, created by pytest-django
    address = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        # DJANGO_ENV=test: the same Redis key prefix (ba-test) as this process, and its
        # SECRET_KEY, so the session cookies made here are valid there.
        DJANGO_ENV="test",
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=f"postgres://{db['USER']}{password}@{address}/{db['NAME']}",
        REDIS_URL=settings.REDIS_URL,
        WEB_CONCURRENCY="1",
        DB_POOL_MAX_SIZE="10",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        **extra_env,
    )
    baseline = _connections_to_test_database()
    started = [Server("A", env, tmp_path), Server("B", env, tmp_path)]
    try:
        deadline = time.monotonic() + 60
        for server in started:
            server.wait_ready(deadline)
        yield started[0], started[1]
    finally:
        for server in started:
            server.stop()
        # PostgreSQL ends the servers' backends a moment after their processes die;
        # wait for that so the test database can be dropped at the end of the run.
        deadline = time.monotonic() + 10
        while _connections_to_test_database() > baseline and time.monotonic() < deadline:
            time.sleep(0.1)


def _connections_to_test_database() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


# --------------------------------------------------------------------------- clients
class LiveClient:
    """A websocket client that numbers what it sees: public events are accepted in
    ``seq`` order; a gap makes it ask for the state (``sync``) as the pages do."""

    def __init__(self, name: str, role: str, code: str, cookie: str) -> None:
        self.name, self.role, self.code, self.cookie = name, role, code, cookie
        self.frames: list[Frame] = []  # everything, tagged with "_conn"
        self.events: list[Frame] = []  # public events accepted in seq order
        self.states: list[Frame] = []
        self.seq: int | None = None
        self.gaps = 0
        self.conn = 0
        self.server = ""
        self.lost = False
        self.acks: dict[str, Frame] = {}  # key -> ack
        self.cond = asyncio.Condition()
        self.ws: Any = None
        self.reader: asyncio.Task[None] | None = None
        self.player_id = 0

    async def connect(self, server: Server) -> Frame:
        import websockets

        self.ws = await websockets.connect(
            f"{server.ws}/ws/live/{self.code}/{self.role}/",
            origin=server.http,  # type: ignore[arg-type]
            additional_headers={"Cookie": f"sessionid={self.cookie}"},
            proxy=None,
            open_timeout=3,
        )
        self.conn += 1
        self.server = server.name
        self.lost = False
        self.reader = asyncio.create_task(self._read(self.ws, self.conn))
        return await self.wait_for(lambda f: f["type"] == "state")

    async def reconnect(self, servers: list[Server]) -> Frame:
        """Try each server in turn, backing off exponentially between rounds."""
        delay = 0.05
        for _ in range(30):
            for server in servers:
                try:
                    return await self.connect(server)
                except Exception as exc:  # refused, reset, timed out, handshake failed
                    last = exc
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)
        raise AssertionError(f"{self.name} could not reconnect: {last!r}")

    async def _read(self, ws: Any, conn: int) -> None:
        try:
            async for raw in ws:
                self._handle(json.loads(raw), conn)
                async with self.cond:
                    self.cond.notify_all()
        except Exception:  # a killed server: the socket just ends
            pass
        if conn == self.conn:
            self.lost = True
            async with self.cond:
                self.cond.notify_all()

    def _handle(self, frame: Frame, conn: int) -> None:
        frame["_conn"] = conn
        self.frames.append(frame)
        if frame["type"] == "state":
            assert self.seq is None or frame["seq"] >= self.seq, (self.name, frame["seq"])
            self.seq = frame["seq"]
            self.states.append(frame)
        elif frame["type"] == "event":
            assert self.seq is not None
            if frame["seq"] <= self.seq:
                return  # already reflected in the state this connection started from
            if frame["seq"] == self.seq + 1:
                self.seq = frame["seq"]
                self.events.append(frame)
            else:
                self.gaps += 1
                asyncio.get_running_loop().create_task(self.send({"type": "sync"}))
        elif frame["type"] == "ack":
            self.acks[frame["ref"]] = frame

    async def send(self, frame: Frame) -> None:
        await self.ws.send(json.dumps(frame))

    def find(self, predicate: Callable[[Frame], bool], since: int = 0) -> Frame | None:
        """The first frame of the current connection from ``since`` on that matches."""
        for frame in self.frames[since:]:
            if frame["_conn"] == self.conn and predicate(frame):
                return frame
        return None

    async def wait_for(
        self, predicate: Callable[[Frame], bool], timeout: float = TIMEOUT, since: int = 0
    ) -> Frame:
        def ready() -> bool:
            return self.find(predicate, since) is not None or self.lost

        async with self.cond:
            try:
                await asyncio.wait_for(self.cond.wait_for(ready), timeout)
            except TimeoutError:
                raise AssertionError(
                    f"{self.name}: timed out; last frames {self.frames[-3:]}"
                ) from None
        found = self.find(predicate, since)
        if found is None:
            raise AssertionError(f"{self.name}: connection lost while waiting")
        return found

    async def wait_lost(self) -> None:
        async with self.cond:
            await asyncio.wait_for(self.cond.wait_for(lambda: self.lost), TIMEOUT)

    async def host(self, action: str) -> None:
        since = len(self.frames)
        await self.send({"type": action})
        done = await self.wait_for(
            lambda f: f["type"] in {"done", "error"} and f.get("action", action) == action,
            since=since,
        )
        assert done["type"] == "done", (action, done)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            with contextlib.suppress(Exception):
                await self.reader


def event(name: str, index: int | None = None) -> Callable[[Frame], bool]:
    return lambda f: (
        f["type"] == "event" and f["event"] == name and (index is None or f.get("index") == index)
    )


def responses(quiz: Any, question_ids: list[int]) -> list[tuple[Frame, Frame]]:
    """(right, wrong) responses for each question of the session, in order."""
    q = ids(quiz)
    by_key = {
        "single": ({"choice": q["single"][1]["Right"]}, {"choice": q["single"][1]["Wrong"]}),
        "multi": (
            {"choices": [q["multi"][1]["A"], q["multi"][1]["B"]]},
            {"choices": [q["multi"][1]["C"]]},
        ),
        "tf": ({"value": False}, {"value": True}),
        "num": ({"value": "3.14"}, {"value": "2"}),
        "text": ({"text": "select_related"}, {"text": "prefetch"}),
        "order": (
            {"order": [q["order"][1][t] for t in ("First", "Second", "Third")]},
            {"order": [q["order"][1][t] for t in ("Third", "Second", "First")]},
        ),
    }
    key_of = {question.id: key for key, (question, _) in q.items()}
    return [by_key[key_of[pk]] for pk in question_ids]


# --------------------------------------------------------------------------- the test
def test_a_game_across_two_servers_survives_one_of_them_dying(servers):
    a, b = servers
    quiz = build_quiz()
    host_user = UserFactory(username="multihost")
    session = services.session_create(host=host_user, quiz_slug=quiz.slug, seconds_per_question=60)
    code, total = session.code, session.question_count
    answers = responses(quiz, session.question_ids)

    web = Client()
    web.force_login(host_user)
    host = LiveClient("host", "host", code, web.cookies["sessionid"].value)
    players: list[LiveClient] = []
    for n in range(PLAYERS):
        joined = services.player_join(
            session_id=session.pk, user=AnonymousUser(), nickname=f"Player{n}"
        )
        store = SessionStore()
        store["live"] = {code: {"player": joined.player.pk, "secret": joined.secret}}
        store.save()
        client = LiveClient(f"p{n}", "play", code, str(store.session_key))
        client.player_id = joined.player.pk
        players.append(client)
    on_a, on_b = players[0::2], players[1::2]
    results: dict[str, dict[int, Frame]] = {p.name: {} for p in players}
    snapshots: list[tuple[LiveClient, Frame, int]] = []

    def right(player: LiveClient, index: int) -> bool:
        return (players.index(player) + index) % 3 != 0

    def answer_frame(player: LiveClient, index: int) -> Frame:
        response = answers[index][0 if right(player, index) else 1]
        key = f"{player.name}-{index}-{uuid.uuid4().hex[:12]}"
        return {"type": "answer", "index": index, "response": response, "key": key}

    async def answer(player: LiveClient, index: int) -> Frame:
        frame = answer_frame(player, index)
        await player.send(frame)
        ack = await player.wait_for(
            lambda f: f["type"] in {"ack", "error"} and f.get("ref") == frame["key"]
        )
        assert ack["type"] == "ack" and ack["duplicate"] is False, (player.name, ack)  # fmt: skip
        return frame

    async def survive_the_kill(player: LiveClient, frame: Frame, score_before: int) -> None:
        """B is gone: reconnect to A (B is tried first), check the snapshot, and resend
        the answer if it was never acknowledged."""
        await player.wait_lost()
        state = (await player.reconnect([b, a]))["state"]
        assert player.server == "A"
        snapshots.append((player, state, score_before))
        assert state["status"] == "question" and state["index"] == KILL_AT
        assert state["me"]["score"] == score_before  # intact; this answer not yet shown
        mine = state["me"]["answer"]
        if frame["key"] in player.acks:
            assert mine == {"index": KILL_AT, "key": frame["key"]}
            return
        await player.send(frame)  # same key: counted once whatever happened before
        ack = await player.wait_for(
            lambda f: f["type"] in {"ack", "error"} and f.get("ref") == frame["key"]
        )
        assert ack["type"] == "ack", (player.name, ack)  # fmt: skip
        assert ack["duplicate"] is (mine is not None), (player.name, mine, ack)

    async def scenario() -> None:
        await host.connect(a)
        for player in players:
            await player.connect(a if player in on_a else b)
        for index in range(total):
            await host.host("start" if index == 0 else "next")
            live = [p for p in players if not p.lost]
            await asyncio.gather(*(p.wait_for(event("question", index)) for p in live))
            if index != KILL_AT:
                await asyncio.gather(*(answer(p, index) for p in players))
            else:
                await asyncio.gather(*(answer(p, index) for p in on_a))
                first, *rest = on_b
                acked = await answer(first, index)  # acknowledged before the crash
                in_flight = [answer_frame(p, index) for p in rest]
                for player, frame in zip(rest, in_flight, strict=True):
                    await player.send(frame)
                b.kill()
                await asyncio.gather(
                    *(
                        survive_the_kill(p, f, results[p.name][index - 1]["score"])
                        for p, f in zip(on_b, [acked, *in_flight], strict=True)
                    )
                )
            await host.host("reveal")
            for player in players:
                result = await player.wait_for(
                    lambda f: f["type"] == "result" and f["index"] == index  # noqa: B023
                )
                results[player.name][index] = result
        await host.host("next")  # after the last question: the end
        await asyncio.gather(*(p.wait_for(lambda f: f["type"] == "final") for p in players))
        await host.wait_for(event("ended"))
        for client in (host, *players):
            await client.close()

    asyncio.run(asyncio.wait_for(scenario(), 45))
    check_outcome(session.pk, host, players, on_a, on_b, results, snapshots, total)


def check_outcome(session_id, host, players, on_a, on_b, results, snapshots, total) -> None:  # type: ignore[no-untyped-def]
    # Every public event, in order, with consecutive numbers, on every screen of A.
    seqs = [f["seq"] for f in host.events]
    assert seqs == list(range(host.states[0]["seq"] + 1, seqs[-1] + 1))
    assert host.events[-1]["event"] == "ended"
    assert len(host.events) == 2 * total + 1  # question + closed each, then ended
    for player in on_a:
        assert [f["seq"] for f in player.events] == seqs, player.name
        assert player.gaps == 0, player.name
    # B's players: every event before the crash, none missing after it; the snapshot
    # from A covers what happened while they had no server.
    for player in on_b:
        assert player.conn == 2 and player.server == "A", player.name
        resumed_at = player.states[-1]["seq"]
        seen = {f["seq"] for f in player.events}
        for seq in seqs:
            assert seq in seen or seq <= resumed_at, (player.name, seq)
        after = [f["seq"] for f in player.events if f["_conn"] == 2]
        assert after == [s for s in seqs if s > resumed_at], player.name
    assert len(snapshots) == len(on_b)

    # Acknowledged answers are exactly the rows.
    acked = {key for player in players for key in player.acks}
    rows = list(LiveAnswer.objects.filter(session_id=session_id).select_related("player"))
    assert {row.key for row in rows} == acked
    assert len(rows) == len(players) * total

    # Scores: the database says what the result and final frames said.
    db_players = {p.pk: p for p in LivePlayer.objects.filter(session_id=session_id)}
    for player in players:
        mine = results[player.name]
        assert sorted(mine) == list(range(total))
        assert all(r["answered"] for r in mine.values()), (player.name, mine)
        for row in (r for r in rows if r.player_id == player.player_id):
            assert row.points == mine[row.index]["points"], (player.name, row.index)
        final = player.find(lambda f: f["type"] == "final")
        score = db_players[player.player_id].score
        assert score == final["score"] == mine[total - 1]["score"], player.name
        assert score == sum(r["points"] for r in mine.values()), player.name

    # The same leaderboards everywhere, and the database's.
    session = LiveSession.objects.select_related("quiz").get(pk=session_id)
    expected = selectors.leaderboard(session)
    for client in (host, *players):
        ended = client.find(event("ended"))
        assert ended is not None and ended["leaderboard"] == expected, client.name
    for index in range(total):
        boards = {
            json.dumps(f["leaderboard"])
            for client in (host, *players)
            for f in client.events
            if f["event"] == "closed" and f["index"] == index
        }
        assert len(boards) == 1, index


def test_a_question_closes_at_its_deadline_when_the_process_that_opened_it_dies(
    servers_without_a_worker,
):
    """The host opens a question on A, and A dies at once (SIGKILL) with the question's
    timer; no Celery worker will run its backstop task. B, which serves a player, closes
    it by its deadline sweep within 2 s of the deadline."""
    a, b = servers_without_a_worker
    quiz = build_quiz()
    host_user = UserFactory(username="sweephost")
    session = services.session_create(host=host_user, quiz_slug=quiz.slug, seconds_per_question=5)
    code = session.code
    web = Client()
    web.force_login(host_user)
    host = LiveClient("host", "host", code, web.cookies["sessionid"].value)
    joined = services.player_join(session_id=session.pk, user=AnonymousUser(), nickname="Ada")
    store = SessionStore()
    store["live"] = {code: {"player": joined.player.pk, "secret": joined.secret}}
    store.save()
    player = LiveClient("ada", "play", code, str(store.session_key))

    async def scenario() -> float:
        await host.connect(a)
        await player.connect(b)
        await host.host("start")
        a.kill()  # the question's timer dies with A
        await player.wait_for(event("question", 0))
        closed = await player.wait_for(event("closed", 0), timeout=20)
        seen_at = time.time()
        assert closed["voided"] is False
        await player.close()
        return seen_at

    seen_at = asyncio.run(asyncio.wait_for(scenario(), 40))
    fresh = LiveSession.objects.get(pk=session.pk)
    assert fresh.status == "review" and fresh.deadline is None
    assert fresh.question_opened_at is not None
    deadline = fresh.question_opened_at.timestamp() + fresh.seconds_per_question
    late = seen_at - deadline
    assert late <= 2.0, f"closed {late:.2f} s after its deadline"
    assert late >= -0.05, f"closed {-late:.2f} s before its deadline"
