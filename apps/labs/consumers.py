"""Websockets of code labs: each learner's page and the host's board.

Thin by design: parse and validate a frame, call one service or selector in a thread,
reply. Changes reach screens as group broadcasts the services send after commit
(``apps.labs.events``), numbered so a client can notice a gap and ``sync``.

* ``/ws/labs/<code>/`` — a learner who joined the lab (signed in). On connect, once
  their seat is checked, it joins the lab's group and sends the whole state (``state``,
  with ``seq``): the lab's status and timer, their hints, unlocked solutions, their
  place in the sandbox queue. Then ``event`` frames (``paused``, ``resumed``, ``ended``,
  ``hint``, ``solution``, or ``skip``: a number spent on someone else's hint) and
  ``queue`` frames (``{place}``, not numbered: each replaces the last).
* ``/ws/labs/<code>/host/`` — the lab's host (or staff). It gets the whole board
  (``board_state``) on connect, on ``sync``, after each host action and every
  ``SNAPSHOT_SECONDS``; in between, ``board`` frames (``learner`` lines,
  ``refresh``) numbered by the board's own ``seq``. Host actions: ``pause`` /
  ``resume`` / ``end``, ``hint``, ``unlock``, ``spotlight``, ``code`` (read a learner's
  latest code), ``settings``.

Close codes: 4401 not signed in, 4403 not a learner of the lab / not its host,
4404 no such lab. The Origin header is checked by the ASGI stack before this.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from apps.core import runtime
from apps.core.errors import ApplicationError
from apps.core.ws import JsonConsumer, MessageError, db_thread, require_str
from apps.labs import events, selectors, services
from apps.labs.errors import LabNotFound
from apps.labs.models import Lab, LabLearner

logger = logging.getLogger(__name__)

SNAPSHOT_SECONDS = 5.0
DEBOUNCE = 0.25


def _db(fn: Any) -> Any:
    return db_thread(fn)


def _lab(code: str) -> Lab | None:
    try:
        return selectors.lab_by_code(code=code, active_only=False)
    except LabNotFound:
        return None


def _int(message: dict[str, Any], field: str) -> int:
    value = message.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**62:
        raise MessageError("invalid", f"'{field}' must be an id.")
    return value


def _int_or_none(message: dict[str, Any], field: str) -> int | None:
    return None if message.get(field) is None else _int(message, field)


class LabConsumer(JsonConsumer):
    require_authentication = True
    lab_id: int
    joined: list[str]

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        if runtime.main_loop() is not loop:  # worker threads of this process broadcast here
            runtime.set_main_loop(loop)
        self.code = str(self.scope["url_route"]["kwargs"]["code"]).upper()
        self.joined = []
        await super().connect()

    async def join(self, name: str) -> None:
        await self.channel_layer.group_add(name, self.channel_name)
        self.joined.append(name)

    async def refuse(self, close_code: int, error: str, message: str) -> None:
        await self.send_error(error, message)
        await self.close(code=close_code)

    async def call(self, fn: Any, /, **kwargs: Any) -> Any:
        try:
            return await _db(fn)(**kwargs)
        except ApplicationError as exc:
            raise MessageError(exc.code, exc.message) from exc

    async def handle_ping(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "pong", "ref": message.get("ref")})

    async def lab_event(self, event: dict[str, Any]) -> None:
        pass

    async def lab_queue(self, event: dict[str, Any]) -> None:
        pass

    async def lab_board(self, event: dict[str, Any]) -> None:
        pass

    async def disconnect(self, code: int) -> None:
        for name in self.joined:
            await self.channel_layer.group_discard(name, self.channel_name)


class LearnerConsumer(LabConsumer):
    handlers = {"sync": "handle_sync", "queue": "handle_queue", "ping": "handle_ping"}
    rate_per_second = 2.0
    burst = 10
    max_frame_bytes = 1024

    learner: LabLearner
    place_sent: int | str | None = "unsent"

    async def on_open(self) -> None:
        lab = await _db(_lab)(self.code)
        if lab is None:
            await self.refuse(4404, "not_found", "No code lab has that code.")
            return
        try:
            self.learner = await _db(selectors.learner_for)(lab=lab, user=self.scope["user"])
        except ApplicationError as exc:
            await self.refuse(4403, exc.code, exc.message)
            return
        self.lab_id = lab.pk
        await self.join(events.group(lab.pk))
        await self.send_state()  # read after joining: no frame falls between the two

    def _state(self) -> dict[str, Any]:
        lab = Lab.objects.get(pk=self.lab_id)
        return selectors.lab_learner_state(lab=lab, learner=self.learner)

    async def send_state(self) -> None:
        state = await _db(self._state)()
        await self.send_json({"type": "state", "seq": state["seq"], "state": state})

    async def handle_sync(self, message: dict[str, Any]) -> None:
        await self.send_state()

    def _place(self) -> int | None:
        lab = Lab.objects.get(pk=self.lab_id)
        return selectors.queue_position(lab=lab, learner=self.learner)

    async def handle_queue(self, message: dict[str, Any]) -> None:
        self.place_sent = await _db(self._place)()
        await self.send_json({"type": "queue", "place": self.place_sent})

    async def lab_event(self, event: dict[str, Any]) -> None:
        target = event.get("learner")
        if target is not None and target != self.learner.pk:
            await self.send_json({"type": "event", "event": "skip", "seq": event["seq"]})
            return
        await self.send(text_data=event["text"])

    async def lab_queue(self, event: dict[str, Any]) -> None:
        """This learner's place, when it changed: most learners have no run queued most
        of the time, and every run that starts anywhere moves the queue."""
        place = (event.get("places") or {}).get(str(self.learner.pk))
        if place == self.place_sent:
            return
        self.place_sent = place
        await self.send_json({"type": "queue", "place": place})


class HostConsumer(LabConsumer):
    handlers = {
        "sync": "handle_sync",
        "ping": "handle_ping",
        "pause": "handle_action",
        "resume": "handle_action",
        "end": "handle_action",
        "hint": "handle_hint",
        "unlock": "handle_unlock",
        "spotlight": "handle_spotlight",
        "code": "handle_code",
        "settings": "handle_settings",
    }
    rate_per_second = 5.0
    burst = 20
    max_frame_bytes = 8 * 1024

    ticker: asyncio.Task[None] | None = None
    pending: asyncio.TimerHandle | None = None

    async def on_open(self) -> None:
        lab = await _db(_lab)(self.code)
        if lab is None:
            await self.refuse(4404, "not_found", "No code lab has that code.")
            return
        if not await _db(selectors.can_host)(lab, self.scope["user"]):
            await self.refuse(4403, "not_host", "Only the lab's host can open its board.")
            return
        self.lab_id = lab.pk
        await self.join(events.host_group(lab.pk))
        await self.send_board()
        self.ticker = asyncio.create_task(self.tick())

    async def tick(self) -> None:
        """A whole, consistent board every few seconds: repairs anything a lost frame
        left behind and moves the clocks (minutes since progress, stuck)."""
        while True:
            await asyncio.sleep(SNAPSHOT_SECONDS)
            try:
                await self.send_board()
            except asyncio.CancelledError:
                raise
            except Exception:  # the next tick tries again; the socket stays open
                logger.exception("lab %s: the board snapshot failed", self.lab_id)

    def _board(self) -> dict[str, Any]:
        services.lab_catch_up(lab_id=self.lab_id)
        lab = Lab.objects.get(pk=self.lab_id)
        return selectors.lab_board(lab=lab, user=self.scope["user"])

    async def send_board(self) -> None:
        board = await _db(self._board)()
        await self.send_json(
            {"type": "board_state", "seq": board["lab"]["board_seq"], "board": board}
        )

    async def handle_sync(self, message: dict[str, Any]) -> None:
        await self.send_board()

    async def handle_action(self, message: dict[str, Any]) -> None:
        action = message["type"]
        text = require_str(message, "message", max_length=200, required=False)
        await self.call(
            services.lab_host_action,
            lab_id=self.lab_id,
            user=self.scope["user"],
            action=action,
            message=text,
        )
        await self.send_json({"type": "done", "action": action, "ref": message.get("ref")})

    async def handle_hint(self, message: dict[str, Any]) -> None:
        text = require_str(message, "text", max_length=services.MAX_HINT_CHARS)
        learner = _int_or_none(message, "learner")
        await self.call(
            services.lab_hint_send,
            lab_id=self.lab_id,
            user=self.scope["user"],
            text=text,
            learner_id=learner,
        )
        await self.send_json({"type": "done", "action": "hint", "ref": message.get("ref")})

    async def handle_unlock(self, message: dict[str, Any]) -> None:
        await self.call(
            services.lab_solution_unlock,
            lab_id=self.lab_id,
            user=self.scope["user"],
            item_id=_int(message, "item"),
        )
        await self.send_json({"type": "done", "action": "unlock", "ref": message.get("ref")})

    async def handle_spotlight(self, message: dict[str, Any]) -> None:
        learner = _int_or_none(message, "learner")
        item = None if learner is None else _int(message, "item")
        await self.call(
            services.lab_spotlight,
            lab_id=self.lab_id,
            user=self.scope["user"],
            learner_id=learner,
            item_id=item,
        )
        await self.send_json({"type": "done", "action": "spotlight", "ref": message.get("ref")})

    def _code(self, learner_id: int, item_id: int) -> dict[str, Any]:
        lab = Lab.objects.get(pk=self.lab_id)
        return selectors.lab_learner_code(
            lab=lab, user=self.scope["user"], learner_id=learner_id, item_id=item_id
        )

    async def handle_code(self, message: dict[str, Any]) -> None:
        learner, item = _int(message, "learner"), _int(message, "item")
        try:
            code = await _db(self._code)(learner, item)
        except ApplicationError as exc:
            raise MessageError(exc.code, exc.message) from exc
        await self.send_json({"type": "code", "code": code, "ref": message.get("ref")})

    async def handle_settings(self, message: dict[str, Any]) -> None:
        minutes, failures = _int(message, "stuck_minutes"), _int(message, "stuck_failures")
        await self.call(
            services.lab_settings_update,
            lab_id=self.lab_id,
            user=self.scope["user"],
            stuck_minutes=minutes,
            stuck_failures=failures,
        )
        await self.send_json({"type": "done", "action": "settings", "ref": message.get("ref")})

    async def lab_board(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])
        if event.get("event") == "refresh":  # a host action: the whole board follows
            self.debounce()

    def debounce(self) -> None:
        """Several host actions in a burst: one snapshot after them."""
        if self.pending is not None:
            return
        loop = asyncio.get_running_loop()

        def fire() -> None:
            self.pending = None
            task = loop.create_task(self.send_board())
            _keep(task)

        self.pending = loop.call_later(DEBOUNCE, fire)

    async def disconnect(self, code: int) -> None:
        if self.ticker is not None:
            self.ticker.cancel()
        if self.pending is not None:
            self.pending.cancel()
        await super().disconnect(code)


_tasks: set[asyncio.Task[Any]] = set()


def _keep(task: asyncio.Task[Any]) -> None:
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
