"""Live session websockets (Channels' WebsocketCommunicator, the real ASGI stack):
auth and origin checks, a full game, acks after commit, seq numbers, deadlines,
validation and removal."""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from apps.live import services
from apps.live.models import LiveAnswer, LiveSession
from config.asgi import application
from tests.factories import UserFactory
from tests.quizzes.conftest import build_quiz, ids

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def run(coro_fn):
    return async_to_sync(coro_fn)()


def cookie_for_user(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def cookie_for_player(code: str, joined) -> bytes:
    store = SessionStore()
    store["live"] = {code: {"player": joined.player.pk, "secret": joined.secret}}
    store.save()
    return f"sessionid={store.session_key}".encode()


def socket(code: str, role: str, cookie: bytes | None) -> WebsocketCommunicator:
    headers = [ORIGIN] + ([(b"cookie", cookie)] if cookie else [])
    return WebsocketCommunicator(application, f"/ws/live/{code}/{role}/", headers=headers)


async def receive_until(ws, predicate, timeout: float = 5.0) -> dict[str, Any]:
    """Frames until one matches (earlier ones are returned in ``.seen``)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        frame = await ws.receive_json_from(timeout=max(end - loop.time(), 0.01))
        if predicate(frame):
            return frame


async def subscribed(*sockets) -> None:
    """Wait for each socket's first state frame, which the consumer sends once it is in
    the session's group: an action sent before that may be broadcast while a socket is
    still joining (the socket then learns it from its state frame, not as an event)."""
    for ws in sockets:
        await receive_until(ws, lambda f: f["type"] == "state")


def event(name: str):
    return lambda f: f.get("type") == "event" and f.get("event") == name


@pytest.fixture
def game():
    quiz = build_quiz()
    host = UserFactory(username="livehost")
    session = services.session_create(host=host, quiz_slug=quiz.slug, seconds_per_question=20)
    return {"quiz": quiz, "host": host, "session": session, "q": ids(quiz)}


def join(game, nickname):
    return services.player_join(
        session_id=game["session"].pk, user=AnonymousUser(), nickname=nickname
    )


def test_host_and_players_play_a_game(game):
    code, q = game["session"].code, game["q"]
    ada, bob = join(game, "Ada"), join(game, "Bob")

    async def scenario():
        host = socket(code, "host", await sync_to_async(cookie_for_user)(game["host"]))
        p1 = socket(code, "play", await sync_to_async(cookie_for_player)(code, ada))
        p2 = socket(code, "play", await sync_to_async(cookie_for_player)(code, bob))
        for ws in (host, p1, p2):
            assert (await ws.connect())[0]
        state = await host.receive_json_from()
        assert state["type"] == "state" and state["state"]["status"] == "lobby"
        assert [p["nickname"] for p in state["state"]["lobby"]] == ["Ada", "Bob"]
        for ws in (p1, p2):
            mine = await ws.receive_json_from()
            assert mine["type"] == "state" and mine["state"]["me"]["score"] == 0

        await host.send_json_to({"type": "start"})
        opened = await receive_until(p1, event("question"))
        assert opened["index"] == 0 and opened["timing"]["remaining_ms"] > 15000
        assert "is_correct" not in str(opened) and "Because" not in str(opened)
        await receive_until(p2, event("question"))
        await receive_until(host, event("question"))

        key = str(uuid.uuid4())
        answer = {"type": "answer", "index": 0, "response": {"choice": q["single"][1]["Right"]},
                  "key": key}  # fmt: skip
        await p1.send_json_to(answer)
        ack = await receive_until(p1, lambda f: f["type"] == "ack")
        assert ack["ref"] == key and ack["duplicate"] is False
        # The acknowledgement means committed.
        assert await sync_to_async(LiveAnswer.objects.filter(key=key).exists)()
        await p1.send_json_to(answer)  # a retry after a lost ack counts once
        again = await receive_until(p1, lambda f: f["type"] == "ack")
        assert again["duplicate"] is True
        await p2.send_json_to({"type": "answer", "index": 0, "key": str(uuid.uuid4()),
                               "response": {"choice": q["single"][1]["Wrong"]}})  # fmt: skip
        await receive_until(p2, lambda f: f["type"] == "ack")
        counts = await receive_until(host, lambda f: f["type"] == "answers")
        assert counts["index"] == 0 and counts["players"] == 2

        await host.send_json_to({"type": "reveal"})
        closed = await receive_until(p1, event("closed"))
        assert closed["reveal"]["correct_choices"] == [q["single"][1]["Right"]]
        assert closed["distribution"]["answered"] == 2
        result = await receive_until(p1, lambda f: f["type"] == "result")
        assert result["correct"] is True and result["points"] >= 500
        lost = await receive_until(p2, lambda f: f["type"] == "result")
        assert lost["answered"] is True and lost["correct"] is False and lost["points"] == 0

        await host.send_json_to({"type": "end"})
        ended = await receive_until(p1, event("ended"))
        assert ended["leaderboard"][0]["nickname"] == "Ada"
        final = await receive_until(p1, lambda f: f["type"] == "final")
        assert final["rank"] == 1 and final["score"] == result["points"]
        for ws in (host, p1, p2):
            await ws.disconnect()

    run(scenario)


def test_seq_numbers_increase_by_one_for_every_public_event(game):
    code = game["session"].code
    ada = join(game, "Ada")

    async def scenario():
        host = socket(code, "host", await sync_to_async(cookie_for_user)(game["host"]))
        player = socket(code, "play", await sync_to_async(cookie_for_player)(code, ada))
        await host.connect()
        await player.connect()
        first = (await player.receive_json_from())["seq"]
        seqs = []
        for action in ("start", "pause", "resume", "reveal", "next", "skip", "end"):
            await host.send_json_to({"type": action})
            await receive_until(host, lambda f: f["type"] == "done")
        while True:
            frame = await player.receive_json_from(timeout=2)
            if frame["type"] == "event":
                seqs.append(frame["seq"])
                if frame["event"] == "ended":
                    break
        assert seqs == list(range(first + 1, first + 1 + len(seqs)))
        await host.disconnect()
        await player.disconnect()

    run(scenario)


def test_the_server_closes_a_question_at_its_deadline_without_the_host(game):
    quiz = build_quiz()
    session = services.session_create(
        host=game["host"], quiz_slug=quiz.slug, seconds_per_question=5
    )
    joined = services.player_join(session_id=session.pk, user=AnonymousUser(), nickname="Ada")

    async def scenario():
        host = socket(session.code, "host", await sync_to_async(cookie_for_user)(game["host"]))
        player = socket(
            session.code, "play", await sync_to_async(cookie_for_player)(session.code, joined)
        )
        await host.connect()
        await player.connect()
        await subscribed(host, player)
        await host.send_json_to({"type": "start"})
        await receive_until(player, event("question"))
        await host.disconnect()  # the host's browser is gone
        closed = await receive_until(player, event("closed"), timeout=8)
        assert closed["index"] == 0
        result = await receive_until(player, lambda f: f["type"] == "result")
        assert result["answered"] is False
        await player.disconnect()

    run(scenario)
    assert LiveSession.objects.get(pk=session.pk).status == "review"


def test_players_cannot_send_host_actions_and_bad_frames_get_error_frames(game):
    code = game["session"].code
    ada = join(game, "Ada")

    async def scenario():
        player = socket(code, "play", await sync_to_async(cookie_for_player)(code, ada))
        await player.connect()
        await player.receive_json_from()
        for frame, expected in (
            ({"type": "start"}, "unknown_type"),
            ({"type": "answer", "index": "0", "key": "k" * 10, "response": {}}, "invalid"),
            ({"type": "answer", "index": 0, "key": "short", "response": {}}, "invalid"),
            (
                {"type": "answer", "index": 0, "key": "k" * 10, "response": {"choice": 1}},
                "question_not_open",
            ),
        ):
            await player.send_json_to(frame)
            error = await player.receive_json_from()
            assert error["type"] == "error" and error["code"] == expected, (frame, error)
        await player.send_to(text_data="{not json")
        assert (await player.receive_json_from())["code"] == "bad_json"
        await player.send_json_to({"type": "ping"})
        assert (await player.receive_json_from())["type"] == "pong"  # still connected
        await player.disconnect()

    run(scenario)
    assert LiveSession.objects.get(pk=game["session"].pk).status == "lobby"


def test_who_may_connect(game):
    code = game["session"].code
    ada = join(game, "Ada")

    async def scenario():
        cases = [
            (socket(code, "host", None), 4401),
            (
                socket(
                    code,
                    "host",
                    await sync_to_async(cookie_for_user)(await sync_to_async(UserFactory)()),
                ),
                4403,
            ),
            (socket(code, "play", None), 4403),
            (socket("QQQQQQ", "play", await sync_to_async(cookie_for_player)(code, ada)), 4404),
        ]
        for ws, close_code in cases:
            connected, _ = await ws.connect()
            assert connected
            error = await ws.receive_json_from()
            assert error["type"] == "error"
            closed = await ws.receive_output()
            assert closed == {"type": "websocket.close", "code": close_code}
        foreign = WebsocketCommunicator(
            application, f"/ws/live/{code}/play/", headers=[(b"origin", b"https://evil.example")]
        )
        assert not (await foreign.connect())[0]

    run(scenario)


def test_a_removed_player_is_disconnected(game):
    code = game["session"].code
    ada = join(game, "Ada")

    async def scenario():
        host = socket(code, "host", await sync_to_async(cookie_for_user)(game["host"]))
        player = socket(code, "play", await sync_to_async(cookie_for_player)(code, ada))
        await host.connect()
        await player.connect()
        await host.receive_json_from()
        await player.receive_json_from()
        await host.send_json_to({"type": "kick", "player": ada.player.pk})
        error = await receive_until(player, lambda f: f["type"] == "error")
        assert error["code"] == "player_removed"
        assert (await player.receive_output())["code"] == 4403
        lobby = await receive_until(host, lambda f: f["type"] == "lobby")
        assert lobby["count"] == 0
        await host.disconnect()

    run(scenario)


def test_reconnecting_player_gets_the_current_state_with_score_intact(game):
    code, q = game["session"].code, game["q"]
    ada = join(game, "Ada")

    async def scenario():
        host = socket(code, "host", await sync_to_async(cookie_for_user)(game["host"]))
        await host.connect()
        cookie = await sync_to_async(cookie_for_player)(code, ada)
        player = socket(code, "play", cookie)
        await player.connect()
        await subscribed(host, player)
        await host.send_json_to({"type": "start"})
        await receive_until(player, event("question"))
        await player.send_json_to({"type": "answer", "index": 0, "key": "reconnect-1",
                                   "response": {"choice": q["single"][1]["Right"]}})  # fmt: skip
        await receive_until(player, lambda f: f["type"] == "ack")
        await player.disconnect()
        await host.send_json_to({"type": "reveal"})
        await receive_until(host, event("closed"))
        back = socket(code, "play", cookie)
        await back.connect()
        state = await back.receive_json_from()
        assert state["state"]["status"] == "review"
        assert state["state"]["me"]["answer"]["correct"] is True
        assert state["state"]["me"]["score"] >= 500 and state["state"]["me"]["rank"] == 1
        await back.disconnect()
        await host.disconnect()

    run(scenario)


def test_reconnecting_after_the_end_gets_the_final_state(game):
    code = game["session"].code
    ada = join(game, "Ada")
    services.host_action(session_id=game["session"].pk, user=game["host"], action="start")
    services.host_action(session_id=game["session"].pk, user=game["host"], action="end")

    async def scenario():
        player = socket(code, "play", await sync_to_async(cookie_for_player)(code, ada))
        assert (await player.connect())[0]
        state = await player.receive_json_from()
        assert state["type"] == "state" and state["state"]["status"] == "ended"
        assert state["state"]["me"]["rank"] == 1 and state["state"]["leaderboard"]
        await player.disconnect()

    run(scenario)


def test_answers_run_on_their_own_executor(game, monkeypatch):
    """Answers go to the live-answer threads, not the loop's default executor that
    state syncs and host screens use."""
    code, q = game["session"].code, game["q"]
    ada = join(game, "Ada")
    threads: list[str] = []
    real = services.answers_submit

    def spy(**kwargs):
        threads.append(threading.current_thread().name)
        return real(**kwargs)

    monkeypatch.setattr(services, "answers_submit", spy)

    async def scenario():
        host = socket(code, "host", await sync_to_async(cookie_for_user)(game["host"]))
        player = socket(code, "play", await sync_to_async(cookie_for_player)(code, ada))
        await host.connect()
        await player.connect()
        await subscribed(host, player)
        await host.send_json_to({"type": "start"})
        await receive_until(player, event("question"))
        await player.send_json_to({"type": "answer", "index": 0, "key": str(uuid.uuid4()),
                                   "response": {"choice": q["single"][1]["Right"]}})  # fmt: skip
        await receive_until(player, lambda f: f["type"] == "ack")
        await host.disconnect()
        await player.disconnect()

    run(scenario)
    assert len(threads) == 1 and threads[0].startswith("live-answer")


def test_answers_that_arrive_while_one_is_written_share_the_next_transaction(
    game, monkeypatch, settings
):
    """Group commit: with one batch in flight (``LIVE_ANSWER_BATCHES = 1``), the seven
    answers that arrive while the first is written go in one transaction together; every
    player gets their own ack and the rows and scores are all there."""
    from apps.live import consumers

    settings.LIVE_ANSWER_BATCHES = 1
    code, q = game["session"].code, game["q"]
    players = [join(game, f"Player {n}") for n in range(8)]
    batches: list[int] = []
    release = threading.Event()
    real = services.answers_submit

    def spy(**kwargs):
        batches.append(len(kwargs["answers"]))
        if len(batches) == 1:
            release.wait(10)  # hold the first write until the others are waiting
        return real(**kwargs)

    monkeypatch.setattr(services, "answers_submit", spy)

    async def scenario():
        host = socket(code, "host", await sync_to_async(cookie_for_user)(game["host"]))
        await host.connect()
        sockets = []
        for joined in players:
            ws = socket(code, "play", await sync_to_async(cookie_for_player)(code, joined))
            await ws.connect()
            sockets.append(ws)
        await subscribed(host, *sockets)
        await host.send_json_to({"type": "start"})
        for ws in sockets:
            await receive_until(ws, event("question"))
        keys = [str(uuid.uuid4()) for _ in sockets]
        right = {"choice": q["single"][1]["Right"]}
        for ws, key in zip(sockets, keys, strict=True):
            await ws.send_json_to({"type": "answer", "index": 0, "key": key, "response": right})
        batchers = consumers._batchers_here()
        for _ in range(500):
            batcher = batchers.get(game["session"].pk)
            if batcher is not None and len(batcher.waiting) == 7:
                break
            await asyncio.sleep(0.01)
        assert len(batcher.waiting) == 7 and batcher.running == 1
        release.set()
        acks = [await receive_until(ws, lambda f: f["type"] == "ack") for ws in sockets]
        assert [a["ref"] for a in acks] == keys and not any(a["duplicate"] for a in acks)
        for ws in (host, *sockets):
            await ws.disconnect()
        assert game["session"].pk not in consumers._batchers_here()  # idle: dropped

    run(scenario)
    assert batches == [1, 7]
    rows = LiveAnswer.objects.filter(session=game["session"])
    assert rows.count() == 8 and all(row.correct and row.points > 0 for row in rows)


def test_answer_threads_fit_the_database_pool(settings, monkeypatch):
    from apps.live import consumers

    monkeypatch.setattr(consumers.os, "cpu_count", lambda: 2)  # default executor: 6 threads
    for pool, threads in [(None, 4), (20, 14), (7, 2), (100, 16)]:
        monkeypatch.setattr(consumers, "_pool_max_size", lambda pool=pool: pool)
        assert consumers.answer_threads() == threads, pool
    settings.LIVE_ANSWER_THREADS = 9
    assert consumers.answer_threads() == 9


def test_activity_pings_do_not_hold_the_answer_thread():
    """``send_group(wait=False)`` from a worker thread hands the send to the server's
    loop and returns while that loop is still busy (an answer's thread is not held)."""
    from channels.layers import get_channel_layer

    from apps.core import runtime
    from apps.live import events

    async def scenario():
        runtime.set_main_loop(asyncio.get_running_loop())
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add("live.ping-test", channel)
        returned = threading.Event()

        def worker():
            events.send_group("live.ping-test", {"type": "live.activity"}, wait=False)
            returned.set()

        threading.Thread(target=worker).start()
        assert returned.wait(2)  # the loop is blocked right here, on purpose
        message = await asyncio.wait_for(layer.receive(channel), 2)
        assert message["type"] == "live.activity"

    run(scenario)


def test_the_startup_heap_is_frozen_once_at_the_first_live_websocket(game, settings, monkeypatch):
    import gc

    from apps.live import consumers

    frozen: list[int] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(1))
    monkeypatch.setattr(gc, "collect", lambda *a: 0)
    monkeypatch.setattr(consumers, "_frozen", [])
    settings.LIVE_GC_FREEZE = False
    consumers.freeze_startup_heap()
    assert frozen == []
    settings.LIVE_GC_FREEZE = True
    code = game["session"].code

    async def scenario():
        for _ in range(2):
            host = socket(code, "host", await sync_to_async(cookie_for_user)(game["host"]))
            assert (await host.connect())[0]
            await host.disconnect()

    run(scenario)
    assert frozen == [1]


@pytest.mark.services
def test_sockets_hand_their_database_connections_back_to_the_pool(game):
    """Each socket's database calls return their connections to the pool, even when the
    thread that ran them ends (as an event loop's executor threads do when the loop
    closes): none stays checked out, so the pool cannot run dry."""
    from django.db import connection
    from django.db.backends.postgresql.base import DatabaseWrapper

    code = game["session"].code
    ada = join(game, "Ada")
    connection.ensure_connection()
    pool = DatabaseWrapper._connection_pools["default"]

    def checked_out() -> int:
        stats = pool.get_stats()
        return int(stats["pool_size"]) - int(stats["pool_available"])

    before = checked_out()

    async def scenario():
        host = socket(code, "host", await sync_to_async(cookie_for_user)(game["host"]))
        player = socket(code, "play", await sync_to_async(cookie_for_player)(code, ada))
        for ws in (host, player):
            assert (await ws.connect())[0]
        await subscribed(host, player)
        for ws in (host, player):
            await ws.disconnect()

    for _ in range(4):  # each run: a new event loop, new executor threads
        run(scenario)
    assert checked_out() <= before


# --------------------------------------------------------------------------- second round


def test_a_late_joiner_is_told_to_wait_for_the_next_question(game):
    code, q = game["session"].code, game["q"]
    join(game, "Ada")
    services.host_action(session_id=game["session"].pk, user=game["host"], action="start")
    bob = join(game, "Bob")  # the first question is open

    async def scenario():
        host = socket(code, "host", await sync_to_async(cookie_for_user)(game["host"]))
        player = socket(code, "play", await sync_to_async(cookie_for_player)(code, bob))
        await host.connect()
        await player.connect()
        await receive_until(host, lambda f: f["type"] == "state")
        state = (await receive_until(player, lambda f: f["type"] == "state"))["state"]
        assert state["status"] == "question" and state["me"]["joined_mid_question"] is True
        assert state["me"]["first_index"] == 1
        await player.send_json_to({"type": "answer", "index": 0, "key": "late-bob-0",
                                   "response": {"choice": q["single"][1]["Right"]}})  # fmt: skip
        error = await receive_until(player, lambda f: f["type"] == "error")
        assert error["code"] == "joined_mid_question" and error["ref"] == "late-bob-0"
        assert "play from the next one" in error["message"]
        await host.send_json_to({"type": "reveal"})
        result = await receive_until(player, lambda f: f["type"] == "result")
        assert result["joined_late"] is True and result["answered"] is False
        await host.send_json_to({"type": "next"})
        opened = await receive_until(player, event("question"))
        assert opened["index"] == 1
        multi = q["multi"][1]
        await player.send_json_to({"type": "answer", "index": 1, "key": "late-bob-1",
                                   "response": {"choices": [multi["A"], multi["B"]]}})  # fmt: skip
        assert (await receive_until(player, lambda f: f["type"] in {"ack", "error"}))[
            "type"
        ] == "ack"
        await host.send_json_to({"type": "reveal"})
        result = await receive_until(player, lambda f: f["type"] == "result")
        assert result["correct"] is True and "joined_late" not in result
        for ws in (host, player):
            await ws.disconnect()

    run(scenario)


def test_a_player_with_extra_time_gets_their_own_clock(game):
    code = game["session"].code
    ada, bob = join(game, "Ada"), join(game, "Bob")
    services.player_extra_time_set(
        session_id=game["session"].pk, user=game["host"], player_id=ada.player.pk, extra_percent=50
    )

    async def scenario():
        host = socket(code, "host", await sync_to_async(cookie_for_user)(game["host"]))
        p1 = socket(code, "play", await sync_to_async(cookie_for_player)(code, ada))
        p2 = socket(code, "play", await sync_to_async(cookie_for_player)(code, bob))
        for ws in (host, p1, p2):
            await ws.connect()
        await subscribed(host, p1, p2)
        await host.send_json_to({"type": "start"})
        mine = (await receive_until(p1, event("question")))["timing"]
        room = (await receive_until(p2, event("question")))["timing"]
        hosts = (await receive_until(host, event("question")))["timing"]
        assert room["limit_ms"] == 20_000 and mine["limit_ms"] == 30_000
        assert mine["deadline"] == room["deadline"] + 10_000 == hosts["closes_at"]
        assert mine["remaining_ms"] > 25_000 and room["remaining_ms"] <= 20_000
        assert hosts["grace_ms"] == 10_000
        # Extra time changes between questions only.
        await host.send_json_to({"type": "extra_time", "player": bob.player.pk, "seconds": 10})
        error = await receive_until(host, lambda f: f["type"] == "error")
        assert error["code"] == "invalid_state"
        await host.send_json_to({"type": "reveal"})
        await receive_until(p2, event("closed"))
        await host.send_json_to({"type": "extra_time", "player": bob.player.pk, "seconds": 10})
        changed = await receive_until(p2, event("extra_time"))
        assert set(changed) == {"type", "event", "seq"}  # nothing for the room to read
        frame = await receive_until(p2, lambda f: f["type"] == "extra_time")
        assert (frame["extra_percent"], frame["extra_seconds"]) == (0, 10)
        await receive_until(p1, event("extra_time"))
        lobby = await receive_until(host, lambda f: f["type"] == "lobby")
        assert {p["nickname"]: p["extra_seconds"] for p in lobby["players"]} == {
            "Ada": 0,
            "Bob": 10,
        }
        await host.send_json_to({"type": "next"})
        timing = (await receive_until(p2, event("question")))["timing"]
        assert timing["limit_ms"] == 30_000 and timing["grace_ms"] == 10_000
        for ws in (host, p1, p2):
            await ws.disconnect()

    run(scenario)


def test_the_host_sets_up_scoring_and_teams_over_the_socket(game):
    code = game["session"].code
    ada, bob = join(game, "Ada"), join(game, "Bob")

    async def scenario():
        host = socket(code, "host", await sync_to_async(cookie_for_user)(game["host"]))
        p1 = socket(code, "play", await sync_to_async(cookie_for_player)(code, ada))
        await host.connect()
        await p1.connect()
        await subscribed(host)
        first = (await receive_until(p1, lambda f: f["type"] == "state"))["seq"]
        await p1.send_json_to({"type": "team_shuffle", "count": 2})
        assert (await receive_until(p1, lambda f: f["type"] == "error"))["code"] == "unknown_type"
        await host.send_json_to({"type": "settings", "scoring_mode": "accuracy"})
        changed = await receive_until(p1, event("settings"))
        assert changed["scoring_mode"] == "accuracy" and changed["seq"] == first + 1
        await host.send_json_to({"type": "team_shuffle", "count": 2})
        teams = await receive_until(p1, event("teams"))
        assert [t["name"] for t in teams["teams"]] == ["Red", "Blue"]
        members = sorted(m for t in teams["teams"] for m in t["members"])
        assert members == sorted([ada.player.pk, bob.player.pk])
        await host.send_json_to({"type": "team_add", "name": "Owls"})
        teams = await receive_until(p1, event("teams"))
        owls = next(t["id"] for t in teams["teams"] if t["name"] == "Owls")
        await host.send_json_to({"type": "team_assign", "player": ada.player.pk, "team": owls})
        teams = await receive_until(p1, event("teams"))
        assert next(t for t in teams["teams"] if t["id"] == owls)["members"] == [ada.player.pk]
        lobby = await receive_until(
            host, lambda f: f["type"] == "lobby" and any(p["team"] == owls for p in f["players"])
        )
        assert {p["nickname"]: p["team"] for p in lobby["players"]}["Ada"] == owls
        for bad in ({"type": "team_assign", "player": True, "team": owls},
                    {"type": "settings", "scoring_mode": 3},
                    {"type": "team_add", "name": ["x"]}):  # fmt: skip
            await host.send_json_to(bad)
            assert (await receive_until(host, lambda f: f["type"] == "error"))["code"] == "invalid"
        await host.send_json_to({"type": "start"})
        await receive_until(p1, event("question"))
        await host.send_json_to({"type": "team_add", "name": "Late"})
        assert (await receive_until(host, lambda f: f["type"] == "error"))[
            "code"
        ] == "invalid_state"
        await host.send_json_to({"type": "end"})
        ended = await receive_until(p1, event("ended"))
        assert {row["name"] for row in ended["team_leaderboard"]} == {"Owls", "Red", "Blue"}
        for ws in (host, p1):
            await ws.disconnect()

    run(scenario)
