"""SIGTERM to a web process in the middle of a live question, with a second server beside
it: two gunicorn servers (config/gunicorn.py, one uvicorn worker each) on PostgreSQL and
Redis, a host on A and 24 players, half on each.

Every player answers question 2 at once and B's master gets SIGTERM right after its
players sent theirs. Then:

* B stops accepting (a reconnection to it is refused) and its master exits well within
  gunicorn's ``graceful_timeout``;
* each of B's players gets the close code 1012 and reconnects (after at most 250 ms of
  jitter, as the pages do) to A, whose state frame catches it up by ``seq`` within 5 s;
* an answer B received was written *and* acknowledged before its socket closed: a player
  whose answer was not acknowledged finds none stored, resends it with its key, and it
  is acknowledged once; no acknowledged answer is missing from the database.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import statistics
import time
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from apps.live import services
from apps.live.models import LiveAnswer, LiveSession
from tests.factories import UserFactory
from tests.live.test_live_multiprocess import (  # noqa: F401  (servers: a fixture)
    Frame,
    LiveClient,
    event,
    responses,
    servers,
)
from tests.quizzes.conftest import build_quiz

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PLAYERS = 24
GRACEFUL_TIMEOUT = 20.0  # config/gunicorn.py
CATCH_UP_LIMIT = 5.0


async def closed_code(client: LiveClient) -> int | None:
    await client.wait_lost()
    return getattr(client.ws, "close_code", None)


def test_sigterm_mid_question_loses_no_acknowledged_answer_and_players_move_over(servers):  # noqa: F811
    a, b = servers
    quiz = build_quiz()
    host_user = UserFactory(username="drainhost")
    session = services.session_create(host=host_user, quiz_slug=quiz.slug, seconds_per_question=60)
    LiveSession.objects.filter(pk=session.pk).update(max_players=PLAYERS)
    code = session.code
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
    frames: dict[str, Frame] = {}
    report: dict[str, Any] = {}

    def answer_frame(player: LiveClient, index: int) -> Frame:
        key = f"{player.name}-{index}-{uuid.uuid4().hex[:12]}"
        return {"type": "answer", "index": index, "response": answers[index][0], "key": key}

    async def answer(player: LiveClient, index: int) -> None:
        frame = answer_frame(player, index)
        await player.send(frame)
        ack = await player.wait_for(lambda f: f.get("ref") == frame["key"])
        assert ack["type"] == "ack", (player.name, ack)

    async def move_over(player: LiveClient, terminated_at: float) -> dict[str, float]:
        """What live-common.js does on 1012: reconnect at once (jitter <= 250 ms), here
        trying B first (it must refuse), then A; resend an unacknowledged answer."""
        frame = frames[player.name]
        close = await closed_code(player)
        closed_at = time.monotonic()
        assert close == 1012, (player.name, close)
        acked_before = frame["key"] in player.acks
        await asyncio.sleep(random.uniform(0, 0.25))
        with pytest.raises(OSError):  # refused: B no longer listens
            await player.connect(b)
        state = (await player.connect(a))["state"]
        caught_up_at = time.monotonic()
        assert player.server == "A"
        assert player.states[-1]["seq"] == host.seq, (player.name, player.seq, host.seq)
        assert state["status"] == "question" and state["index"] == 1
        mine = state["me"]["answer"]
        if acked_before:
            assert mine == {"index": 1, "key": frame["key"]}, player.name
        else:
            # Nothing half-done: B wrote no answer it did not acknowledge.
            assert mine is None, (player.name, mine)
            await player.send(frame)
            ack = await player.wait_for(lambda f: f.get("ref") == frame["key"])
            assert ack["type"] == "ack" and ack["duplicate"] is False, (player.name, ack)
        return {
            "close": closed_at - terminated_at,
            "caught_up": caught_up_at - closed_at,
            "acked_before": float(acked_before),
        }

    async def scenario() -> None:
        await host.connect(a)
        for player in players:
            await player.connect(a if player in on_a else b)
        await host.host("start")
        await asyncio.gather(*(p.wait_for(event("question", 0)) for p in players))
        await asyncio.gather(*(answer(p, 0) for p in players))
        await host.host("reveal")
        await host.host("next")
        await asyncio.gather(*(p.wait_for(event("question", 1)) for p in players))

        # Everyone answers question 2 at once; B is told to stop while B's are in flight.
        for player in players:
            frames[player.name] = answer_frame(player, 1)
        await asyncio.gather(*(p.send(frames[p.name]) for p in on_b))
        terminated_at = time.monotonic()
        os.kill(b.proc.pid, signal.SIGTERM)  # the master, as Kubernetes or docker stop do
        await asyncio.gather(*(p.send(frames[p.name]) for p in on_a))
        moves = await asyncio.gather(*(move_over(p, terminated_at) for p in on_b))
        for player in on_a:
            key = frames[player.name]["key"]
            ack = await player.wait_for(lambda f: f.get("ref") == key)  # noqa: B023
            assert ack["type"] == "ack", (player.name, ack)
        exited = await asyncio.to_thread(b.proc.wait, GRACEFUL_TIMEOUT + 5)
        report["exit"] = time.monotonic() - terminated_at
        report["exit_code"] = exited
        report["moves"] = moves

        await host.host("reveal")
        for player in players:
            result = await player.wait_for(lambda f: f["type"] == "result" and f["index"] == 1)
            assert result["answered"] is True, (player.name, result)
        # Events after the move arrive in order on the new connection.
        for player in on_b:
            after = [f["seq"] for f in player.events if f["_conn"] == 2]
            assert after == [player.states[-1]["seq"] + 1], (player.name, after)
        for client in (host, *players):
            await client.close()

    asyncio.run(asyncio.wait_for(scenario(), 60))

    moves = report["moves"]
    caught_up = sorted(m["caught_up"] for m in moves)
    closes = sorted(m["close"] for m in moves)
    print(
        f"\nSIGTERM -> close 1012: median {statistics.median(closes) * 1000:.0f} ms, "
        f"max {closes[-1] * 1000:.0f} ms; close -> reconnected and caught up on A: "
        f"median {statistics.median(caught_up) * 1000:.0f} ms, max {caught_up[-1] * 1000:.0f} ms; "
        f"{sum(int(m['acked_before']) for m in moves)} of {len(moves)} of B's answers acknowledged "
        f"before the close; B's master exited {report['exit']:.2f} s after SIGTERM "
        f"(code {report['exit_code']})"
    )
    assert report["exit_code"] == 0
    # Well within the grace period: a socket's task stuck on its channel-layer receive
    # had kept the worker until uvicorn's own timeout (13 s) before config/workers.py
    # cancelled such tasks after the drain.
    assert report["exit"] < GRACEFUL_TIMEOUT / 2
    assert caught_up[-1] < CATCH_UP_LIMIT
    assert closes[-1] < CATCH_UP_LIMIT

    # Every acknowledged answer is stored, once; every player answered both questions.
    acked = {key for player in players for key in player.acks}
    rows = set(LiveAnswer.objects.filter(session_id=session.pk).values_list("key", flat=True))
    assert acked == rows
    assert len(rows) == 2 * PLAYERS
