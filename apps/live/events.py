"""Channel-layer broadcasts of live sessions, scheduled by the services after commit.

Groups: ``live.<id>`` reaches everyone in a session (host and players);
``live.<id>.host`` reaches the host's screens only. Public state changes carry the
session's ``seq``; a client that sees a gap (channels-redis drops messages silently
when a channel is over capacity) asks for the whole state again (``sync``), so
delivery is checked and repaired, never assumed.

Frames are serialised once here and passed as text: a broadcast to 1,000 players
costs one ``json.dumps``, not one per player. Per-answer activity is coalesced per
process (at most one host ping every ``ACTIVITY_INTERVAL`` seconds per session).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from apps.core import runtime

logger = logging.getLogger(__name__)

ACTIVITY_INTERVAL = 0.25


_background: set[asyncio.Task[Any]] = set()


def background(task: asyncio.Task[Any]) -> None:
    """Keep a reference to a fire-and-forget task until it finishes (asyncio holds weak
    references only, so an unreferenced task can be collected mid-flight)."""
    _background.add(task)
    task.add_done_callback(_background.discard)


def group(session_id: int) -> str:
    return f"live.{session_id}"


def host_group(session_id: int) -> str:
    return f"live.{session_id}.host"


def _dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), default=str)


def _logged(task: asyncio.Task[Any], name: str) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("live broadcast to %s failed", name, exc_info=task.exception())


def send_group(name: str, message: dict[str, Any], *, wait: bool = True) -> None:
    """Send to a group from sync code: on the server's loop when there is one (web
    processes), else on a private loop (Celery workers, management commands).

    ``wait=False`` hands the send to the server's loop and returns at once (for pings
    whose order does not matter: the thread that called is not held for the loop)."""
    layer = get_channel_layer()
    if layer is None:
        return
    loop = runtime.main_loop()
    if loop is not None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None

        def schedule() -> None:
            task = loop.create_task(layer.group_send(name, message))
            task.add_done_callback(lambda done: _logged(done, name))
            background(task)

        if running is loop:  # already on the loop: schedule, don't block it
            schedule()
            return
        if not wait:
            loop.call_soon_threadsafe(schedule)
            return
        future = asyncio.run_coroutine_threadsafe(layer.group_send(name, message), loop)
        try:
            future.result(timeout=5)
        except Exception:
            logger.exception("live broadcast to %s failed", name)
        return
    try:
        async_to_sync(layer.group_send)(name, message)
    except Exception:
        logger.exception("live broadcast to %s failed", name)


def _after_commit(fn, *args: Any) -> None:
    transaction.on_commit(lambda: fn(*args))


def _public(session_id: int, seq: int, event: str, body: dict[str, Any], **extra: Any) -> None:
    text = _dumps({"type": "event", "event": event, "seq": seq, **body})
    message = {"type": "live.event", "event": event, "seq": seq, "text": text, **extra}
    message["sent"] = time.time()  # the relays' broadcast lag (apps.core.metrics)
    if "index" in body:
        message["index"] = body["index"]
    send_group(group(session_id), message)


def _schedule_public(session: Any, event: str, build, **extra: Any) -> None:
    """After commit, build the event from ``session`` as this transaction left it (the
    state numbered ``seq``: not re-read, which would cost a query before every broadcast
    and could describe a later state under this number) and send it."""
    session_id, seq = session.pk, session.seq

    def send() -> None:
        _public(session_id, seq, event, build(session), **extra)

    _after_commit(send)


def question_opened(session: Any) -> None:
    from apps.live import selectors

    index, round_ = session.index, session.round

    def build(fresh: Any) -> dict[str, Any]:
        return {
            "index": index,
            "total": fresh.question_count,
            "round": round_,
            "question": selectors.question_public(fresh, index),
            "timing": selectors.timing(fresh),
        }

    _schedule_public(session, "question", build)
    deadline_schedule(session.pk, round_, session.closes_at)


def paused(session: Any) -> None:
    from apps.live import selectors

    _schedule_public(
        session, "paused", lambda fresh: {"index": fresh.index, "timing": selectors.timing(fresh)}
    )


def resumed(session: Any) -> None:
    from apps.live import selectors

    round_ = session.round
    _schedule_public(
        session,
        "resumed",
        lambda fresh: {
            "index": fresh.index,
            "round": round_,
            "timing": selectors.timing(fresh),
        },
    )
    deadline_schedule(session.pk, round_, session.closes_at)


def question_closed(session: Any, *, voided: bool) -> None:
    from apps.live import selectors

    index = session.index

    def build(fresh: Any) -> dict[str, Any]:
        return {
            "index": index,
            "voided": voided,
            "reveal": selectors.question_reveal(fresh, index),
            "distribution": selectors.distribution(fresh, index),
            "leaderboard": selectors.leaderboard(fresh),
            "team_leaderboard": selectors.team_leaderboard(fresh),
            "players": selectors.player_count(fresh),
        }

    _schedule_public(session, "closed", build, voided=voided)


def session_ended(session: Any) -> None:
    from apps.live import selectors

    _schedule_public(
        session,
        "ended",
        lambda fresh: {
            "leaderboard": selectors.leaderboard(fresh),
            "team_leaderboard": selectors.team_leaderboard(fresh),
            "players": selectors.player_count(fresh),
        },
    )


def settings_changed(session: Any) -> None:
    _schedule_public(session, "settings", lambda fresh: {"scoring_mode": fresh.scoring_mode})


def teams_changed(session: Any) -> None:
    """The teams and their members, to everyone (each player finds their own team)."""
    from apps.live import selectors

    _schedule_public(session, "teams", lambda fresh: {"teams": selectors.teams_public(fresh)})


def extra_time_changed(session: Any, player: Any) -> None:
    """A numbered event with nothing in it for the room (who has extra time is between
    the host and that player); the player's connection picks its own out of the
    message and tells its screen."""
    _schedule_public(
        session,
        "extra_time",
        lambda fresh: {},
        player=player.pk,
        extra_percent=player.extra_percent,
        extra_seconds=player.extra_seconds,
    )


def lobby_changed(session_id: int) -> None:
    """Tell host screens to refresh the player list (they debounce and re-read it)."""
    _after_commit(lambda: send_group(host_group(session_id), {"type": "live.lobby"}))


def player_removed(session_id: int, player_id: int) -> None:
    _after_commit(
        lambda: send_group(group(session_id), {"type": "live.removed", "player": player_id})
    )


# --------------------------------------------------------------------------- activity

_last_activity: dict[int, float] = {}
_pending: set[int] = set()
_activity_lock = threading.Lock()


def answer_recorded(session_id: int) -> None:
    _after_commit(lambda: _activity(session_id))


def _activity(session_id: int) -> None:
    """At most one host ping per interval per process; a trailing ping is kept."""
    now = time.monotonic()
    with _activity_lock:
        last = _last_activity.get(session_id, 0.0)
        if now - last >= ACTIVITY_INTERVAL:
            _last_activity[session_id] = now
            send = True
        elif session_id in _pending:
            return
        else:
            _pending.add(session_id)
            send = False
    if send:
        send_group(host_group(session_id), {"type": "live.activity"}, wait=False)
        return
    delay = ACTIVITY_INTERVAL - (now - last)
    loop = runtime.main_loop()

    def trailing() -> None:
        with _activity_lock:
            _pending.discard(session_id)
            _last_activity[session_id] = time.monotonic()
        send_group(host_group(session_id), {"type": "live.activity"}, wait=False)

    if loop is not None:
        loop.call_soon_threadsafe(
            lambda: loop.call_later(delay, lambda: loop.run_in_executor(None, trailing))
        )
    else:
        timer = threading.Timer(delay, trailing)
        timer.daemon = True
        timer.start()


# --------------------------------------------------------------------------- deadlines


def deadline_schedule(session_id: int, round_: int, deadline: Any) -> None:
    """Close the question at its deadline whatever happens to the host's browser: a
    timer in this process, and in services mode a Celery task too (in case this process
    dies). Whichever runs first closes it; the other finds the round moved on."""
    if deadline is None:
        return

    def schedule() -> None:
        loop = runtime.main_loop()
        if loop is not None:
            loop.call_soon_threadsafe(_start_timer, loop, session_id, round_, deadline)
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            from apps.live.tasks import close_question

            try:
                close_question.apply_async(args=(session_id, round_), eta=deadline)
            except Exception:
                # The broker is away (Redis cut): the question is open and committed, and
                # the timer above and every web process's sweep still close it on time.
                logger.warning(
                    "live session %s: the deadline task for round %s could not be queued",
                    session_id,
                    round_,
                    exc_info=True,
                )
        elif loop is None:
            timer = threading.Timer(
                max((deadline.timestamp() - time.time()), 0) + 0.01,
                _close_in_thread,
                args=(session_id, round_),
            )
            timer.daemon = True  # never keeps a management command or test run alive
            timer.start()

    _after_commit(schedule)


def _start_timer(
    loop: asyncio.AbstractEventLoop, session_id: int, round_: int, deadline: Any
) -> None:
    async def wait_and_close() -> None:
        await asyncio.sleep(max(deadline.timestamp() - time.time(), 0) + 0.01)
        await loop.run_in_executor(None, _close_in_thread, session_id, round_)

    background(loop.create_task(wait_and_close()))


def _close_in_thread(session_id: int, round_: int) -> None:
    from django.db import close_old_connections

    from apps.live import services

    close_old_connections()
    try:
        services.question_close_if_due(session_id=session_id, round=round_)
    except Exception:
        logger.exception("closing live session %s round %s failed", session_id, round_)
    finally:
        close_old_connections()


# --------------------------------------------------------------------------- the sweep

_sweeps: dict[int, asyncio.Task[None]] = {}  # by id of the loop they run on


def sweeper_ensure(loop: asyncio.AbstractEventLoop) -> None:
    """Start this process's deadline sweep on ``loop`` once (each live websocket's
    connect calls this). Every ``LIVE_SWEEP_SECONDS`` it closes the open questions that
    are overdue in any session (``services.questions_close_overdue``): timers and the
    Celery task close a question on time; the sweep makes sure it closes within a
    second or so when the process holding its timer died and the task was lost."""
    interval = float(getattr(settings, "LIVE_SWEEP_SECONDS", 1.0))
    if interval <= 0:
        return
    task = _sweeps.get(id(loop))
    if task is not None and not task.done():
        return
    for key in [k for k, t in _sweeps.items() if t.done()]:
        del _sweeps[key]
    task = loop.create_task(_sweep_forever(loop, interval))
    _sweeps[id(loop)] = task
    background(task)


async def _sweep_forever(loop: asyncio.AbstractEventLoop, interval: float) -> None:
    # Processes started together sweep at different moments of each second.
    await asyncio.sleep(interval * (0.5 + (id(loop) % 1000) / 2000))
    while True:
        await loop.run_in_executor(None, _sweep_in_thread)
        await asyncio.sleep(interval)


_sweep_warned = [0.0]


def _sweep_in_thread() -> None:
    from django.db import DatabaseError, close_old_connections

    from apps.live import services

    close_old_connections()
    try:
        closed = services.questions_close_overdue()
        if closed:
            logger.info("the deadline sweep closed %s overdue question(s)", closed)
    except DatabaseError as exc:
        # The database is away: the next sweep tries again (said at most every 30 s).
        if time.monotonic() - _sweep_warned[0] >= 30:
            _sweep_warned[0] = time.monotonic()
            logger.warning("the live deadline sweep could not read the database: %s", exc)
    except Exception:
        logger.exception("the live deadline sweep failed")
    finally:
        close_old_connections()
