"""Channel-layer broadcasts of code labs, scheduled by the services after commit.

Groups: ``labs.<id>`` reaches the lab's learners, ``labs.<id>.host`` the host's
screens. Learner-facing changes carry the lab's ``seq`` and the board's changes its
``board_seq``; a client that sees a gap asks for the whole state again (``sync``),
since channels-redis drops messages silently when a channel is over capacity. The
host's screens also get a whole snapshot every few seconds from their consumer.

A hint to one learner goes to the whole group with that learner's id: the others'
consumers pass on only its ``seq`` (an empty ``skip`` frame), so every learner sees an
unbroken sequence and nobody else reads the hint. Queue places are not numbered: each
frame replaces the last.

Frames are serialised once here and passed to consumers as text. Queue places are
coalesced per process (``queue_changed``): every run that starts anywhere moves the queue.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction

from apps.exercises.events import send_group

logger = logging.getLogger(__name__)


def group(lab_id: int) -> str:
    return f"labs.{lab_id}"


def host_group(lab_id: int) -> str:
    return f"labs.{lab_id}.host"


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), default=str)


def _after_commit(fn: Any) -> None:
    transaction.on_commit(fn)


def learner_event(
    lab_id: int, *, seq: int, event: str, body: dict[str, Any], learner: int | None = None
) -> None:
    """A numbered change learners see (to one learner when ``learner`` is given)."""
    text = dumps({"type": "event", "event": event, "seq": seq, **body})
    message = {"type": "lab.event", "seq": seq, "learner": learner, "text": text}
    _after_commit(lambda: send_group(group(lab_id), message))


def board_event(lab_id: int, *, board_seq: int, event: str, body: dict[str, Any]) -> None:
    """A numbered change of the host's board."""
    text = dumps({"type": "board", "event": event, "seq": board_seq, **body})
    message = {"type": "lab.board", "seq": board_seq, "event": event, "text": text}
    _after_commit(lambda: send_group(host_group(lab_id), message))


_queue_lock = threading.Lock()
_queue_last = 0.0
_queue_timer: threading.Timer | None = None


def queue_changed(compute: Callable[[], dict[int, dict[int, int]]]) -> None:
    """The sandbox queue moved: send learners their places, at most once every
    ``LABS_QUEUE_BROADCAST_MS`` per process (each run that starts anywhere moves it, a
    few times a second under load). A move inside the interval is sent at its end, the
    places computed then, so the last one is never dropped. Called after commit."""
    global _queue_last, _queue_timer  # noqa: PLW0603
    interval = max(settings.LABS_QUEUE_BROADCAST_MS, 0) / 1000
    now = time.monotonic()
    with _queue_lock:
        if _queue_timer is not None:
            return  # a send is already due: it will read the places then
        wait = _queue_last + interval - now
        if wait > 0:
            _queue_timer = threading.Timer(wait, _send_places_later, args=(compute,))
            _queue_timer.daemon = True  # never keeps a worker or a command alive
            _queue_timer.start()
            return
        _queue_last = now
    queue_moved(compute())


def _send_places_later(compute: Callable[[], dict[int, dict[int, int]]]) -> None:
    global _queue_last, _queue_timer  # noqa: PLW0603
    with _queue_lock:
        _queue_timer = None
        _queue_last = time.monotonic()
    close_old_connections()
    try:
        queue_moved(compute())
    except Exception:
        logger.exception("sending queue places failed")
    finally:
        close_old_connections()


def queue_moved(positions: dict[int, dict[int, int]]) -> None:
    """Each lab's learners get their place in the sandbox queue (sent now: the callers
    run after the commit that moved the queue)."""
    for lab_id, places in positions.items():
        send_group(
            group(lab_id),
            {"type": "lab.queue", "places": {str(k): v for k, v in places.items()}},
        )


def queue_cleared(lab_id: int) -> None:
    send_group(group(lab_id), {"type": "lab.queue", "places": {}})
