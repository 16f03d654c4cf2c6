"""Websockets of live sessions: the host's screen and each player's device.

Thin by design: parse and validate a frame, call one service in a thread, reply.
State changes reach everyone as group broadcasts that the services send after commit
(``apps.live.events``); every public one carries ``seq`` so a client can notice a
gap and ``sync``. Players are identified by the credentials their browser received
when it joined over HTTP (kept in its Django session), hosts by their login.

Close codes: 4401 not signed in, 4403 not the host / not a player / removed,
4404 no such session; 1012 this server is stopping: reconnect at once (``apps.core.ws``;
an answer being written first is written and acknowledged).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import gc
import json
import logging
import os
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from django.conf import settings

from apps.core import metrics, runtime
from apps.core.errors import ApplicationError
from apps.core.ws import JsonConsumer, MessageError, db_thread
from apps.live import events, selectors, services
from apps.live.models import LiveAnswer, LivePlayer, LiveSession

logger = logging.getLogger(__name__)

HOST_ACTIONS = ("start", "next", "reveal", "pause", "resume", "skip", "end")
# Seconds between retries of a channel-layer receive that failed (see layer_trouble).
LAYER_RETRY = 0.5
# Frames whose broadcast carries the room's clock: a player with extra time gets theirs.
TIMED_EVENTS = frozenset({"question", "paused", "resumed"})
DEBOUNCE = 0.25


def _db(fn):
    """Run ``fn`` in a worker thread with its own connection (the pool serves many):
    answers from hundreds of players must not queue behind one sync thread."""
    return db_thread(fn)


def answer_threads() -> int:
    """Threads for players' answers: ``LIVE_ANSWER_THREADS``, else what the database
    pool has left beside the loop's default executor (whose threads serve everything
    else, each holding a connection while it runs a call), so an answer's thread never
    waits for one."""
    configured = getattr(settings, "LIVE_ANSWER_THREADS", None)
    if configured:
        return max(int(configured), 1)
    connections = _pool_max_size()
    if connections is None:
        return 4  # no pool (embedded mode): SQLite serialises writes anyway
    default_executor = min(32, (os.cpu_count() or 1) + 4)  # asyncio's default size
    return min(max(connections - default_executor, 2), 16)


def _pool_max_size() -> int | None:
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    if pool is True:
        return 4  # psycopg_pool's default (max_size = min_size = 4)
    if not isinstance(pool, dict):
        return None
    return int(pool.get("max_size") or pool.get("min_size") or 4)


_executors: dict[str, ThreadPoolExecutor] = {}
_executors_lock = threading.Lock()


def answer_executor() -> ThreadPoolExecutor:
    """The process's executor for answers, apart from the default one: a burst of
    answers does not queue behind host screens' reads or state syncs (or they behind
    it), and its size matches the connections it can get."""
    with _executors_lock:
        executor = _executors.get("answers")
        if executor is None:
            executor = _executors["answers"] = ThreadPoolExecutor(
                max_workers=answer_threads(), thread_name_prefix="live-answer"
            )
        return executor


def _db_answer(fn):
    return db_thread(fn, executor=answer_executor())


class _AnswerBatcher:
    """Group commit for one session's answers in this process.

    An answer is written at once when fewer than ``in_flight`` batches are being
    written; otherwise it waits for the next batch, which every answer arriving in the
    meantime joins (up to ``max_batch``). One answer alone costs what it did before; a
    burst of answers shares transactions and round trips (the session's shared lock,
    the commit) instead of queueing for them one by one. No timer: nothing waits for
    company that is not already there.
    """

    def __init__(self, session_id: int) -> None:
        self.session_id = session_id
        self.waiting: list[tuple[services.AnswerRequest, asyncio.Future[Any]]] = []
        self.running = 0
        self.in_flight = max(int(getattr(settings, "LIVE_ANSWER_BATCHES", 2)), 1)
        self.max_batch = 200

    async def submit(self, request: services.AnswerRequest) -> services.AnswerReceipt:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.waiting.append((request, future))
        if self.running < self.in_flight:
            self._write_next()
        outcome = await future
        if isinstance(outcome, ApplicationError):
            raise outcome
        return outcome

    def _write_next(self) -> None:
        batch, self.waiting = self.waiting[: self.max_batch], self.waiting[self.max_batch :]
        self.running += 1
        events.background(asyncio.ensure_future(self._write(batch)))

    async def _write(self, batch: list[tuple[services.AnswerRequest, asyncio.Future[Any]]]) -> None:
        try:
            outcomes = await _db_answer(services.answers_submit)(
                session_id=self.session_id, answers=[request for request, _ in batch]
            )
        except Exception as exc:  # the database is away: every answer here says so
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
        except BaseException:  # cancelled (the loop is closing)
            for _, future in batch:
                future.cancel()
            raise
        else:
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if not future.done():  # its socket may have gone meanwhile
                    future.set_result(outcome)
        finally:
            self.running -= 1
            if self.waiting and self.running < self.in_flight:
                self._write_next()
            elif not self.waiting and not self.running:
                batchers = _batchers_here()
                if batchers.get(self.session_id) is self:
                    del batchers[self.session_id]


# Per event loop (each test runs its own), session id -> its answers' batcher.
_batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, _AnswerBatcher]] = (
    weakref.WeakKeyDictionary()
)


def _batchers_here() -> dict[int, _AnswerBatcher]:
    return _batchers.setdefault(asyncio.get_running_loop(), {})


async def answer_submit(request: services.AnswerRequest, *, session_id: int) -> Any:
    """Submit one answer through this process's batcher for its session."""
    batchers = _batchers_here()
    batcher = batchers.get(session_id)
    if batcher is None:
        batcher = batchers[session_id] = _AnswerBatcher(session_id)
    return await batcher.submit(request)


_frozen: list[bool] = []


def freeze_startup_heap() -> None:
    """Once per process, at its first live websocket: hand everything loaded so far
    (modules, settings, URLconf: long-lived) to ``gc.freeze()``. A full collection then
    scans only what came after; it had stopped every thread of the process for 100-170
    ms at a time (GIL held), mid-game, with all the answers in flight waiting on it
    (bench/live_bench.py, 500 players). ``LIVE_GC_FREEZE = False`` turns it off."""
    if _frozen or not getattr(settings, "LIVE_GC_FREEZE", True):
        return
    _frozen.append(True)
    gc.collect()  # not garbage: what is frozen is never collected
    gc.freeze()


class _Relay:
    """One channel-layer subscription per process for a session's public group.

    channels-redis delivers a group message once per member channel: with every
    consumer in the group, a broadcast to 1,000 players is 1,000 messages in Redis
    that this process pops one round trip at a time (and that count against one
    ``capacity``). Here the process joins the group once and copies each message into
    the inbox of every local consumer of the session, where it is dispatched in order
    with that consumer's own frames, as a channel-layer message would be.
    """

    def __init__(self, layer: Any, group: str) -> None:
        self.layer = layer
        self.group = group
        self.members: set[LiveConsumer] = set()
        self.channel = ""
        self.reader: asyncio.Task[None] | None = None
        self.started: asyncio.Future[None] = asyncio.ensure_future(self._start())

    async def _start(self) -> None:
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(self.group, self.channel)
        self.reader = asyncio.create_task(self._read())

    def failed(self) -> bool:
        """Its subscription could not be made (the layer was away): a connection that
        comes later makes a new relay rather than inherit this one's error."""
        if not self.started.done():
            return False
        return self.started.cancelled() or self.started.exception() is not None

    async def _read(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                layer_trouble(exc)
                await asyncio.sleep(LAYER_RETRY)
                continue
            sent = message.get("sent")
            if sent is not None:  # once per broadcast and process; O(1), no lock
                metrics.broadcast_lag.observe(time.time() - sent)
            for consumer in list(self.members):
                consumer.inbox.put_nowait(message)

    async def resubscribe(self) -> None:
        await self.layer.group_add(self.group, self.channel)

    def resync(self) -> None:
        """Every member sends its client the state afresh: broadcasts made while the
        layer was away were lost (their senders failed), and a client hears of a lost
        one only at the next event, which may be a whole question later."""
        for consumer in list(self.members):
            consumer.inbox.put_nowait({"type": "live.resync"})

    async def stop(self) -> None:
        try:
            await self.started
        except Exception:
            return
        if self.reader is not None:
            self.reader.cancel()
        await self.layer.group_discard(self.group, self.channel)


# Per event loop (each test runs its own), group name -> relay.
_relays: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _Relay]] = (
    weakref.WeakKeyDictionary()
)
# Per event loop: the task waiting for the channel layer to answer again, if any.
_recoveries: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[None]] = (
    weakref.WeakKeyDictionary()
)
_trouble_logged = [0.0]


def _relays_here() -> dict[str, _Relay]:
    return _relays.setdefault(asyncio.get_running_loop(), {})


def layer_trouble(exc: BaseException) -> None:
    """A receive from the channel layer failed (Redis away, its connections cut). The
    sockets stay open: their receives are retried every ``LAYER_RETRY`` seconds, and one
    task per process waits for the layer to answer again (each relay subscribes anew),
    then has every relayed socket send its client the current state. (Closing the
    sockets instead sent every player of the process to reconnect at once, into the
    outage, and their backoff kept them away for seconds after it ended.)"""
    loop = asyncio.get_running_loop()
    now = loop.time()
    if now - _trouble_logged[0] >= 30:  # said once per outage, not once per socket
        _trouble_logged[0] = now
        logger.warning("the channel layer is unreachable (%s); live sockets wait for it", exc)
    task = _recoveries.get(loop)
    if task is None or task.done():
        _recoveries[loop] = task = loop.create_task(_recover())
        events.background(task)


async def _recover() -> None:
    while True:
        await asyncio.sleep(LAYER_RETRY)
        relays = list(_relays_here().values())
        try:
            for relay in relays:
                if not relay.failed():
                    await relay.resubscribe()
        except Exception as exc:  # still away
            logger.debug("the channel layer is still unreachable: %s", exc)
            continue
        logger.warning("the channel layer answers again; live sockets resync")
        for relay in relays:
            relay.resync()
        return


def _standings(session_id: int) -> dict[int, tuple[int, int, int]]:
    """player id -> (score, rank, correct answers), ranked as ``selectors.player_rank``
    (among players not removed): one query for the whole session."""
    rows = list(
        LivePlayer.objects.filter(session_id=session_id).values_list(
            "pk", "score", "joined_at", "correct_count", "removed"
        )
    )
    ranked = sorted((-score, joined, pk) for pk, score, joined, _, removed in rows if not removed)
    return {
        pk: (score, bisect.bisect_left(ranked, (-score, joined, pk)) + 1, correct)
        for pk, score, joined, correct, _ in rows
    }


# (session id, seq of its "ended" event) -> the standings, computed once per process
# when the end reaches its players (instead of two queries per player).
_final_standings: dict[tuple[int, int], asyncio.Future[dict[int, tuple[int, int, int]]]] = {}


def _id(message: dict[str, Any], name: str, default: int | None = None) -> int:
    value = message.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**31:
        raise MessageError("invalid", f"'{name}' must be a whole number.")
    return value


def _session_for(code: str) -> LiveSession | None:
    # Ended sessions too: a client reconnecting after the end still gets the final state.
    return selectors.session_by_code_any(code=code)


class LiveConsumer(JsonConsumer):
    rate_per_second = 5.0
    burst = 10
    max_frame_bytes = 8 * 1024
    # A socket whose opening hangs (a read or a subscription stuck while Redis or the
    # database is away) closes after this long instead of leaving its client waiting,
    # without a state, until its 45 s silence limit: the client reconnects at once.
    open_timeout = 5.0

    session_id: int
    session: LiveSession

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Channels' ``AsyncConsumer.__call__`` with one more source of messages: the
        inbox the session's relay fills (see ``_Relay``)."""
        self.scope = scope
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.base_send = send
        sources = [receive, self.inbox.get, self.shutdown_source()]
        if self.channel_layer is not None:
            self.channel_name = await self.channel_layer.new_channel()
            self.channel_receive = self.receive_own
            sources.append(self.channel_receive)
        with contextlib.suppress(StopConsumer):
            await await_many_dispatch(sources, self.dispatch)

    async def receive_own(self) -> dict[str, Any]:
        """The next message on this socket's own channel; while the layer fails, retried
        (``layer_trouble``) instead of ending the consumer and closing the socket."""
        while True:
            try:
                return dict(await self.channel_layer.receive(self.channel_name))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                layer_trouble(exc)
                await asyncio.sleep(LAYER_RETRY)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' ``dispatch`` without its ``close_old_connections`` hop to the shared
        sync thread before every message: these consumers touch the database only
        through ``_db``, whose threads close their connections around each call. (That
        hop, once per player per broadcast, queued every broadcast behind one thread.)"""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        # The loop serving websockets is where timers and broadcasts from worker threads
        # go (apps.live.events). One per server process; tests run several in turn.
        loop = asyncio.get_running_loop()
        if runtime.main_loop() is not loop:
            runtime.set_main_loop(loop)
        events.sweeper_ensure(loop)
        freeze_startup_heap()
        self.code = str(self.scope["url_route"]["kwargs"]["code"]).upper()
        self.groups_joined: list[str] = []
        self.relayed: list[_Relay] = []
        await super().connect()

    async def join_groups(self, *names: str) -> None:
        for name in names:
            await self.channel_layer.group_add(name, self.channel_name)
            self.groups_joined.append(name)

    async def join_relay(self, name: str) -> None:
        """Receive a public group's messages through this process's relay."""
        relays = _relays_here()
        relay = relays.get(name)
        if relay is None or relay.failed():
            relay = relays[name] = _Relay(self.channel_layer, name)
        relay.members.add(self)
        self.relayed.append(relay)
        try:
            await asyncio.shield(relay.started)
        except asyncio.CancelledError:
            # Opening gave up waiting (``open_timeout``): a subscription still pending
            # then is stuck; the next socket starts another one.
            if not relay.started.done() and relays.get(name) is relay:
                del relays[name]
            raise

    async def disconnect(self, code: int) -> None:
        if getattr(self, "counted", False):
            self.counted = False
            metrics.live_connected_players.dec()
        for name in self.groups_joined:
            await self.channel_layer.group_discard(name, self.channel_name)
        relays = _relays_here()
        for relay in getattr(self, "relayed", []):
            relay.members.discard(self)
            if relay.members:
                continue
            if relays.get(relay.group) is relay:
                del relays[relay.group]
            if relay.started.done():
                await relay.stop()
            else:  # a subscription still on its way (or stuck): stop it when it is made
                events.background(asyncio.ensure_future(relay.stop()))

    async def refuse(self, close_code: int, error: str, message: str) -> None:
        await self.send_error(error, message)
        await self.close(code=close_code)

    async def service(self, fn, /, **kwargs: Any) -> Any:
        try:
            return await _db(fn)(**kwargs)
        except ApplicationError as exc:
            raise MessageError(exc.code, exc.message) from exc

    async def live_event(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])

    async def live_lobby(self, event: dict[str, Any]) -> None:
        pass

    async def live_activity(self, event: dict[str, Any]) -> None:
        pass

    async def live_removed(self, event: dict[str, Any]) -> None:
        pass

    async def live_resync(self, event: dict[str, Any]) -> None:
        await self.send_state()

    async def send_state(self) -> None:
        raise NotImplementedError

    async def handle_ping(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "pong", "ref": message.get("ref")})


class PlayerConsumer(LiveConsumer):
    handlers = {"answer": "handle_answer", "sync": "handle_sync", "ping": "handle_ping"}

    async def on_open(self) -> None:
        credentials = (self.scope.get("session") or {}).get("live", {}).get(self.code)
        session = await _db(_session_for)(self.code)
        if session is None:
            await self.refuse(4404, "not_found", "No live session has that code.")
            return
        if not isinstance(credentials, dict):
            await self.refuse(4403, "not_a_player", "Join the session first.")
            return
        try:
            self.player = await _db(services.player_authenticate)(
                session_id=session.pk,
                player_id=int(credentials.get("player", 0)),
                secret=str(credentials.get("secret", "")),
            )
        except ApplicationError as exc:
            await self.refuse(4403, exc.code, exc.message)
            return
        self.session_id = session.pk
        self.receipts: dict[int, services.AnswerReceipt] = {}
        self.seen_open: set[int] = set()
        self.counted = True
        metrics.live_connected_players.inc()
        await self.join_relay(events.group(session.pk))
        await self.send_state()

    async def send_state(self) -> None:
        state = await _db(self._state)()
        # "Seen open without an answer" lets the reveal skip a query for players who did
        # not answer. An answer made before this (re)connection has no receipt here: leave
        # the question unmarked so the reveal reads it from the database.
        if state["status"] in {"question", "paused"} and state["me"]["answer"] is None:
            self.seen_open.add(state["index"])
        await self.send_json({"type": "state", "seq": state["seq"], "state": state})

    def _state(self) -> dict[str, Any]:
        session = LiveSession.objects.select_related("quiz").get(pk=self.session_id)
        player = LivePlayer.objects.get(pk=self.player.pk)
        self.player = player  # extra time as it is now, should an event have been missed
        return selectors.session_state(session, host=False, player=player)

    async def handle_sync(self, message: dict[str, Any]) -> None:
        await self.send_state()

    async def handle_answer(self, message: dict[str, Any]) -> None:
        received = time.perf_counter()
        index = message.get("index")
        key = message.get("key")
        response = message.get("response")
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < 1000:
            raise MessageError("invalid", "'index' must be the question's number (from 0).")
        if not isinstance(key, str) or not 8 <= len(key) <= 64:
            raise MessageError("invalid", "'key' must be a string of 8 to 64 characters.")
        request = services.AnswerRequest(
            player_id=self.player.pk, index=index, response=response, key=key
        )
        try:
            receipt = await answer_submit(request, session_id=self.session_id)
        except ApplicationError as exc:
            await self.send_error(exc.code, exc.message, ref=key)
            return
        self.receipts[index] = receipt
        # Committed: acknowledge. Whether it was right stays on the server until reveal.
        await self.send_json(
            {"type": "ack", "ref": key, "index": index, "duplicate": receipt.duplicate}
        )
        metrics.answer_ack.observe(time.perf_counter() - received)

    async def live_event(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        text = event["text"]
        if kind in TIMED_EVENTS and (self.player.extra_percent or self.player.extra_seconds):
            text = self.personal(text)
        await self.send(text_data=text)
        if kind == "question":
            self.seen_open.add(event["index"])
        elif kind == "extra_time" and event.get("player") == self.player.pk:
            self.player.extra_percent = int(event.get("extra_percent") or 0)
            self.player.extra_seconds = int(event.get("extra_seconds") or 0)
            await self.send_json(
                {
                    "type": "extra_time",
                    "extra_percent": self.player.extra_percent,
                    "extra_seconds": self.player.extra_seconds,
                }
            )
        elif kind == "closed":
            await self.send_result(event["index"], bool(event.get("voided")))
        elif kind == "ended":
            await self.send_final(event.get("seq"))

    def personal(self, text: str) -> str:
        """The broadcast with this player's own clock (their extra time added)."""
        payload = json.loads(text)
        room = payload.get("timing")
        if room:
            extra = self.player.extra_ms(int(room["limit_ms"]))
            payload["timing"] = selectors.personal_timing(room, extra)
        return events._dumps(payload)

    async def send_result(self, index: int, voided: bool) -> None:
        if index < self.player.first_index:  # joined during it: not theirs to play
            await self.send_json(
                {
                    "type": "result",
                    "index": index,
                    "answered": False,
                    "voided": voided,
                    "joined_late": True,
                }
            )
            return
        receipt = self.receipts.get(index)
        if receipt is None and index not in self.seen_open:
            receipt = await _db(self._receipt_from_db)(index)  # reconnected since it opened
        if receipt is None:
            frame = {"type": "result", "index": index, "answered": False, "voided": voided}
        else:
            frame = {
                "type": "result",
                "index": index,
                "answered": True,
                "voided": voided,
                "correct": receipt.correct,
                "points": 0 if voided else receipt.points + receipt.bonus,
                "bonus": 0 if voided else receipt.bonus,
                "score": receipt.score,
                "streak": receipt.streak,
            }
        await self.send_json(frame)

    def _receipt_from_db(self, index: int) -> services.AnswerReceipt | None:
        answer = LiveAnswer.objects.filter(player_id=self.player.pk, index=index).first()
        if answer is None:
            return None
        player = LivePlayer.objects.get(pk=self.player.pk)
        return services._receipt(answer, player, duplicate=True)

    async def send_final(self, seq: Any = None) -> None:
        key = (self.session_id, int(seq or 0))
        standings = _final_standings.get(key)
        if standings is None:
            standings = _final_standings[key] = asyncio.ensure_future(
                _db(_standings)(self.session_id)
            )
            while len(_final_standings) > 64:  # ended sessions' tables: keep a few
                del _final_standings[next(iter(_final_standings))]
        try:
            score, rank, correct = (await asyncio.shield(standings))[self.player.pk]
        except Exception:
            _final_standings.pop(key, None)
            raise
        await self.send_json({"type": "final", "score": score, "rank": rank, "correct": correct})

    async def live_removed(self, event: dict[str, Any]) -> None:
        if event.get("player") == self.player.pk:
            await self.refuse(4403, "player_removed", "The host removed you from this session.")


class HostConsumer(LiveConsumer):
    handlers = {
        **{action: "handle_action" for action in HOST_ACTIONS},
        "kick": "handle_kick",
        "settings": "handle_settings",
        "team_add": "handle_team_add",
        "team_delete": "handle_team_delete",
        "team_clear": "handle_team_clear",
        "team_shuffle": "handle_team_shuffle",
        "team_assign": "handle_team_assign",
        "extra_time": "handle_extra_time",
        "sync": "handle_sync",
        "ping": "handle_ping",
    }
    rate_per_second = 10.0
    burst = 20

    async def on_open(self) -> None:
        user = self.scope.get("user")
        if not (user and user.is_authenticated):
            await self.refuse(4401, "not_authenticated", "Log in to host.")
            return
        session = await _db(_session_for)(self.code)
        if session is None:
            await self.refuse(4404, "not_found", "No live session has that code.")
            return
        if session.host_id != user.pk:
            await self.refuse(4403, "not_host", "Only the host can open the host screen.")
            return
        self.session_id = session.pk
        self.pending: dict[str, asyncio.TimerHandle] = {}
        await self.join_relay(events.group(session.pk))
        await self.join_groups(events.host_group(session.pk))
        await self.send_state()

    async def send_state(self) -> None:
        state = await _db(self._state)()
        await self.send_json({"type": "state", "seq": state["seq"], "state": state})

    def _state(self) -> dict[str, Any]:
        session = LiveSession.objects.select_related("quiz").get(pk=self.session_id)
        return selectors.session_state(session, host=True)

    async def handle_sync(self, message: dict[str, Any]) -> None:
        await self.send_state()

    async def handle_action(self, message: dict[str, Any]) -> None:
        action = message["type"]
        await self.service(
            services.host_action, session_id=self.session_id, user=self.scope["user"], action=action
        )
        await self.send_json({"type": "done", "action": action, "ref": message.get("ref")})

    async def handle_kick(self, message: dict[str, Any]) -> None:
        player = message.get("player")
        if not isinstance(player, int) or isinstance(player, bool):
            raise MessageError("invalid", "'player' must be a player id.")
        await self.service(
            services.player_remove,
            session_id=self.session_id,
            user=self.scope["user"],
            player_id=player,
        )
        await self.send_json({"type": "done", "action": "kick", "player": player})

    async def setting(self, action: str, fn, /, **kwargs: Any) -> None:
        await self.service(fn, session_id=self.session_id, user=self.scope["user"], **kwargs)
        await self.send_json({"type": "done", "action": action})

    async def handle_settings(self, message: dict[str, Any]) -> None:
        mode = message.get("scoring_mode")
        if not isinstance(mode, str):
            raise MessageError("invalid", "'scoring_mode' must be a string.")
        await self.setting("settings", services.session_settings_update, scoring_mode=mode)

    async def handle_team_add(self, message: dict[str, Any]) -> None:
        name = message.get("name")
        if not isinstance(name, str):
            raise MessageError("invalid", "'name' must be a string.")
        await self.setting("team_add", services.team_create, name=name)

    async def handle_team_delete(self, message: dict[str, Any]) -> None:
        await self.setting("team_delete", services.team_delete, team_id=_id(message, "team"))

    async def handle_team_clear(self, message: dict[str, Any]) -> None:
        await self.setting("team_clear", services.teams_clear)

    async def handle_team_shuffle(self, message: dict[str, Any]) -> None:
        await self.setting("team_shuffle", services.teams_shuffle, count=_id(message, "count"))

    async def handle_team_assign(self, message: dict[str, Any]) -> None:
        team = None if message.get("team") is None else _id(message, "team")
        await self.setting(
            "team_assign",
            services.player_team_set,
            player_id=_id(message, "player"),
            team_id=team,
        )

    async def handle_extra_time(self, message: dict[str, Any]) -> None:
        await self.setting(
            "extra_time",
            services.player_extra_time_set,
            player_id=_id(message, "player"),
            extra_percent=_id(message, "percent", default=0),
            extra_seconds=_id(message, "seconds", default=0),
        )

    async def live_event(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])
        if event.get("event") in {"teams", "extra_time"}:
            self.debounce("lobby", self.send_lobby)  # the player list shows both

    def debounce(self, name: str, coro_fn) -> None:
        if name in self.pending:
            return
        loop = asyncio.get_running_loop()

        def fire() -> None:
            self.pending.pop(name, None)
            events.background(loop.create_task(coro_fn()))

        self.pending[name] = loop.call_later(DEBOUNCE, fire)

    async def live_lobby(self, event: dict[str, Any]) -> None:
        self.debounce("lobby", self.send_lobby)

    async def live_removed(self, event: dict[str, Any]) -> None:
        self.debounce("lobby", self.send_lobby)

    async def live_activity(self, event: dict[str, Any]) -> None:
        self.debounce("answers", self.send_answers)

    async def send_lobby(self) -> None:
        players = await _db(self._lobby)()
        await self.send_json({"type": "lobby", "players": players, "count": len(players)})

    def _lobby(self) -> list[dict[str, Any]]:
        return selectors.lobby(LiveSession.objects.get(pk=self.session_id))

    async def send_answers(self) -> None:
        frame = await _db(self._answers)()
        if frame is not None:
            await self.send_json(frame)

    def _answers(self) -> dict[str, Any] | None:
        session = LiveSession.objects.get(pk=self.session_id)
        if session.index < 0:
            return None
        return {
            "type": "answers",
            "index": session.index,
            "players": selectors.player_count(session),
            "distribution": selectors.distribution(session, session.index),
        }

    async def disconnect(self, code: int) -> None:
        for handle in getattr(self, "pending", {}).values():
            handle.cancel()
        await super().disconnect(code)
