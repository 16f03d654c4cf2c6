"""A base for the platform's JSON websocket consumers.

It does the checks every consumer needs, so that concrete consumers only parse,
call services and reply:

* frames larger than ``max_frame_bytes`` are refused and the socket closed (1009);
* bad JSON (or JSON nested too deeply, or with an overlong number: ``apps.core.jsonbody``),
  a non-object, a missing or unknown ``type`` and invalid fields get an
  error frame and the connection is kept;
* each connection has a token bucket: past it messages get a ``rate_limited``
  error frame, and a client that keeps flooding is disconnected (1008);
* ``require_authentication`` closes anonymous sockets with 4401;
* when the server process stops (SIGTERM: ``drain``, called by ``config/workers.py``),
  each socket finishes the message it is handling, sends what it owes (an answer's
  acknowledgement) and closes with ``SERVER_RESTART`` (1012), which the pages take as
  "reconnect now": to another process, behind the same address.

The Origin header is checked before this by ``AllowedHostsOriginValidator``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import Any, ClassVar

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from django.db import close_old_connections

from apps.core import jsonbody

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None]]

#: The close code of a server going away: 1012, "service restart" (IANA's registry of
#: websocket close codes), which uvicorn also sends to any socket still open when it
#: stops. static/js/live-common.js, lab-host.js and lab-learner.js reconnect at once on it
#: (a jitter of at most 250 ms, no backoff), then resume from the state frame's ``seq``.
SERVER_RESTART = 1012

# The consumers of this process whose ASGI call is still running (opened, not finished).
_running: weakref.WeakSet[JsonConsumer] = weakref.WeakSet()


async def drain(timeout: float) -> int:
    """Ask every websocket consumer of this process to close with ``SERVER_RESTART``
    once the message it is handling is done, and wait (``timeout`` seconds at most)
    until all of them have finished. Returns how many had not."""
    loop = asyncio.get_running_loop()

    def here() -> list[JsonConsumer]:  # a server has one loop; a test suite runs many
        return [consumer for consumer in _running if consumer.loop is loop]

    for consumer in here():
        consumer.request_shutdown()
    deadline = loop.time() + timeout
    while here() and loop.time() < deadline:
        await asyncio.sleep(0.02)
    return len(here())


def db_thread(fn: Callable[..., Any], *, executor: Executor | None = None) -> Any:
    """``fn`` as an awaitable run in a worker thread (``executor``, else the loop's
    default) with a connection of its own from the pool, handed back when ``fn``
    returns: many sockets' reads and writes run side by side, not queued behind one
    sync thread. (Channels' ``database_sync_to_async`` alone releases connections
    outside the context the call ran in, where it cannot always see them: a thread
    that then ended kept its connection checked out of the pool for good.)"""

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        finally:
            close_old_connections()

    return database_sync_to_async(call, thread_sensitive=False, executor=executor)


class MessageError(Exception):
    """A client message that cannot be accepted; becomes an error frame."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class TokenBucket:
    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.updated = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class JsonConsumer(AsyncWebsocketConsumer):
    max_frame_bytes: ClassVar[int] = 16 * 1024
    rate_per_second: ClassVar[float] = 10.0
    burst: ClassVar[int] = 20
    max_violations: ClassVar[int] = 50
    require_authentication: ClassVar[bool] = False
    #: seconds ``on_open`` may take before the socket is closed with 1013 ("try again
    #: later") for the client to reconnect; None: no limit
    open_timeout: ClassVar[float | None] = None
    #: message type -> name of the coroutine method handling it
    handlers: ClassVar[dict[str, str]] = {}
    #: closed for a server restart: frames still queued are left for the client to resend
    restarting: bool = False
    loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Channels' ``AsyncConsumer.__call__`` with one more source of messages: the
        process's request to close (``drain``)."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.base_send = send
        sources = [receive, self.shutdown_source()]
        if self.channel_layer is not None:
            self.channel_name = await self.channel_layer.new_channel()
            receive_own: Callable[[], Awaitable[Any]] = functools.partial(
                self.channel_layer.receive, self.channel_name
            )
            self.channel_receive = receive_own
            sources.append(self.channel_receive)
        try:
            with contextlib.suppress(StopConsumer):
                await await_many_dispatch(sources, self.dispatch)
        finally:
            _running.discard(self)

    def shutdown_source(self) -> Callable[[], Awaitable[dict[str, Any]]]:
        """A source for ``await_many_dispatch`` that yields one ``server.shutdown``
        message when ``request_shutdown`` is called, and registers this consumer with
        ``drain`` until its call ends."""
        stopping = self._stopping = asyncio.Event()
        self.loop = asyncio.get_running_loop()
        said = False
        _running.add(self)

        async def wait() -> dict[str, Any]:
            nonlocal said
            try:
                await stopping.wait()
                if said:
                    await asyncio.Future()  # once only; cancelled when the call ends
                said = True
                return {"type": "server.shutdown"}
            except asyncio.CancelledError:
                _running.discard(self)  # the call is ending (dispatch cancels its sources)
                raise

        return wait

    def request_shutdown(self) -> None:
        self._stopping.set()

    async def server_shutdown(self, message: dict[str, Any]) -> None:
        """Dispatched after the message being handled: close for the client to reconnect
        elsewhere (the disconnect that follows ends the call)."""
        self.restarting = True
        with contextlib.suppress(Exception):  # the client may have gone already
            await self.close(code=SERVER_RESTART)

    async def connect(self) -> None:
        self.bucket = TokenBucket(self.rate_per_second, self.burst)
        self.violations = 0
        user = self.scope.get("user")
        if self.require_authentication and not (user and user.is_authenticated):
            await self.close(code=4401)
            return
        await self.accept()
        if self.open_timeout is None:
            await self.on_open()
            return
        try:
            await asyncio.wait_for(self.on_open(), self.open_timeout)
        except TimeoutError:
            logger.warning(
                "%s: opening took over %.0f s; closed for the client to retry",
                type(self).__name__,
                self.open_timeout,
            )
            await self.close(code=1013)

    async def on_open(self) -> None:
        """Hook for subclasses, called after the socket is accepted."""

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.restarting:
            # Sent before the client saw the close: not handled, so not acknowledged;
            # the client sends it again after reconnecting (an answer with its key).
            return
        if bytes_data is not None:
            await self.send_error("binary_not_supported", "Send JSON text frames.")
            return
        raw = text_data or ""
        if len(raw.encode("utf-8")) > self.max_frame_bytes:
            await self.send_error(
                "too_large", f"Frames are limited to {self.max_frame_bytes} bytes."
            )
            await self.close(code=1009)
            return
        if not self.bucket.take():
            self.violations += 1
            if self.violations > self.max_violations:
                await self.close(code=1008)
                return
            await self.send_error("rate_limited", "Too many messages; slow down.")
            return
        try:
            message = jsonbody.loads(raw, what="The frame")
        except jsonbody.JsonError as exc:  # not JSON, nested too deeply, a huge number
            await self.send_error("bad_json", str(exc))
            return
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.send_error("bad_message", "A message is a JSON object with a string 'type'.")
            return
        method_name = self.handlers.get(message["type"])
        if method_name is None:
            await self.send_error("unknown_type", f"Unknown message type {message['type'][:40]!r}.")
            return
        try:
            await getattr(self, method_name)(message)
        except MessageError as exc:
            await self.send_error(exc.code, exc.message, ref=message.get("ref"))

    async def send_json(self, payload: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(payload, separators=(",", ":"), default=str))

    async def send_error(self, code: str, message: str, ref: Any = None) -> None:
        frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if isinstance(ref, str | int) and len(str(ref)) <= 64:
            frame["ref"] = ref
        await self.send_json(frame)


def require_str(
    message: dict[str, Any], field: str, *, max_length: int = 200, required: bool = True
) -> str:
    value = message.get(field)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise MessageError(
            "invalid", f"'{field}' must be a string of 1 to {max_length} characters."
        )
    return value
