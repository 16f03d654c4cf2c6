"""Channel-layer broadcasts of code runs, sent by the services after each commit.

One group per run, ``exercises.run.<id>``: the run's owner may have it open in several
tabs, and nobody else can join it (the consumer checks ownership). Every frame carries
the run's ``seq``, bumped by each change; a client that sees a gap asks for the whole
state again (``sync``), since channels-redis drops messages silently when a channel is
over capacity. Frames are serialised once here and passed to consumers as text.

Frames (``type``):

* ``status`` — ``{seq, status, total}``: the run started (or restarted after a lost worker);
* ``test`` — ``{seq, index, test: {name, outcome, duration_ms, message, hidden}, passed,
  total}``: one test finished;
* ``done`` — ``{seq, status, reason, duration_ms, passed, total, output}``: the run ended.

Sending works from any thread: on the server's event loop when this process has one
(the embedded mode runs code in a thread of the web process), else on a private loop
(a Celery worker).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from apps.core import runtime

logger = logging.getLogger(__name__)


def group(run_id: int) -> str:
    return f"exercises.run.{run_id}"


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), default=str)


def send_group(name: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    loop = runtime.main_loop()
    try:
        if loop is not None:
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                task = loop.create_task(layer.group_send(name, message))
                _keep(task)
                return
            asyncio.run_coroutine_threadsafe(layer.group_send(name, message), loop).result(
                timeout=5
            )
        else:
            async_to_sync(layer.group_send)(name, message)
    except Exception:
        logger.exception("exercise run broadcast to %s failed", name)


_tasks: set[asyncio.Task[Any]] = set()


def _keep(task: asyncio.Task[Any]) -> None:
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


def _send_after_commit(run_id: int, frame: dict[str, Any]) -> None:
    text = dumps(frame)
    transaction.on_commit(
        lambda: send_group(group(run_id), {"type": "run.frame", "seq": frame["seq"], "text": text})
    )


def run_status(run: Any) -> None:
    _send_after_commit(
        run.pk, {"type": "status", "seq": run.seq, "status": run.status, "total": run.total}
    )


def test_finished(run: Any, *, index: int, entry: dict[str, Any]) -> None:
    _send_after_commit(
        run.pk,
        {
            "type": "test",
            "seq": run.seq,
            "index": index,
            "test": entry,
            "passed": run.passed,
            "total": run.total,
        },
    )


def run_done(run: Any) -> None:
    _send_after_commit(
        run.pk,
        {
            "type": "done",
            "seq": run.seq,
            "status": run.status,
            "reason": run.reason,
            "duration_ms": run.duration_ms,
            "passed": run.passed,
            "total": run.total,
            "output": run.output,
        },
    )


# --------------------------------------------------------------------------- lesson examples
# A runnable example's run (``BlockRun``) has its own group, ``exercises.blockrun.<id>``,
# and frames: ``status`` {seq, status}; ``output`` {seq, output} (everything printed so
# far, so a client that missed one loses nothing); ``done`` {seq, status, reason,
# exit_code, duration_ms, output}.


def block_group(run_id: int) -> str:
    return f"exercises.blockrun.{run_id}"


def _block_send_after_commit(run_id: int, frame: dict[str, Any]) -> None:
    text = dumps(frame)
    transaction.on_commit(
        lambda: send_group(
            block_group(run_id), {"type": "run.frame", "seq": frame["seq"], "text": text}
        )
    )


def block_run_status(run: Any) -> None:
    _block_send_after_commit(run.pk, {"type": "status", "seq": run.seq, "status": run.status})


def block_run_output(run: Any) -> None:
    _block_send_after_commit(run.pk, {"type": "output", "seq": run.seq, "output": run.output})


def block_run_done(run: Any) -> None:
    _block_send_after_commit(
        run.pk,
        {
            "type": "done",
            "seq": run.seq,
            "status": run.status,
            "reason": run.reason,
            "exit_code": run.exit_code,
            "duration_ms": run.duration_ms,
            "output": run.output,
        },
    )
