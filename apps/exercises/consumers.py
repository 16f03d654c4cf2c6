"""The run websocket, ``/ws/exercises/runs/<id>/``: one socket per run being watched.

Only the run's owner may open it (others get 4404, as if it did not exist; anonymous
sockets 4401); the Origin header is checked before this by the ASGI stack. On connect,
once ownership is checked, it joins the run's group and then sends the run's whole
current state, so nothing between the two is lost; a client ignores frames whose
``seq`` is not newer than what it has. Then come ``status``, ``test`` and ``done``
frames (``apps.exercises.events``), each with the run's ``seq``. A client that sees a
gap sends ``{"type": "sync"}`` and gets the state again; ``{"type": "ping"}`` is
answered with a pong.

One socket per run (rather than one per learner for all their runs) keeps the
ownership check, the group and the client simple: a learner has one run in flight, and
the page opens a socket for it and closes it when the run is done.
"""

from __future__ import annotations

import asyncio
from typing import Any

from channels.db import database_sync_to_async

from apps.core import runtime
from apps.core.errors import ApplicationError
from apps.core.ws import JsonConsumer
from apps.exercises import events, selectors


def _state(user: Any, run_id: int) -> dict[str, Any]:
    return selectors.run_public(selectors.run_get_for_user(user=user, run_id=run_id))


class RunConsumer(JsonConsumer):
    require_authentication = True
    handlers = {"sync": "handle_sync", "ping": "handle_ping"}
    rate_per_second = 2.0
    burst = 10
    max_frame_bytes = 1024

    run_id: int
    joined: str | None = None

    async def connect(self) -> None:
        if runtime.main_loop() is None:  # lets worker threads of this process broadcast
            runtime.set_main_loop(asyncio.get_running_loop())
        self.run_id = int(self.scope["url_route"]["kwargs"]["run_id"])
        await super().connect()

    async def on_open(self) -> None:
        try:  # ownership first: nobody else may join the group, even for a moment
            await database_sync_to_async(_state)(self.scope["user"], self.run_id)
        except ApplicationError as exc:
            await self.send_error(exc.code, exc.message)
            await self.close(code=4404)
            return
        group = events.group(self.run_id)
        await self.channel_layer.group_add(group, self.channel_name)
        self.joined = group
        await self.send_state()  # read after joining: no frame falls between the two

    async def send_state(self) -> None:
        state = await database_sync_to_async(_state)(self.scope["user"], self.run_id)
        await self.send_json({"type": "state", "seq": state["seq"], "run": state})

    async def handle_sync(self, message: dict[str, Any]) -> None:
        await self.send_state()

    async def handle_ping(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "pong"})

    async def run_frame(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])

    async def disconnect(self, code: int) -> None:
        if self.joined:
            await self.channel_layer.group_discard(self.joined, self.channel_name)


def _block_state(user: Any, run_id: int) -> dict[str, Any]:
    return selectors.block_run_public(selectors.block_run_get_for_user(user=user, run_id=run_id))


class BlockRunConsumer(RunConsumer):
    """``/ws/exercises/block-runs/<id>/``: a lesson example's run, as ``RunConsumer``
    (owner only, state on connect, seq-checked ``status``/``output``/``done`` frames)."""

    async def on_open(self) -> None:
        try:
            await database_sync_to_async(_block_state)(self.scope["user"], self.run_id)
        except ApplicationError as exc:
            await self.send_error(exc.code, exc.message)
            await self.close(code=4404)
            return
        group = events.block_group(self.run_id)
        await self.channel_layer.group_add(group, self.channel_name)
        self.joined = group
        await self.send_state()

    async def send_state(self) -> None:
        state = await database_sync_to_async(_block_state)(self.scope["user"], self.run_id)
        await self.send_json({"type": "state", "seq": state["seq"], "run": state})
