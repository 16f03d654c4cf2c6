"""gunicorn worker class: uvicorn's ASGI worker from the ``uvicorn-worker`` package, with
a graceful shutdown that lets websockets finish what they owe before they close.

On SIGTERM (gunicorn's master passes it on to each worker) uvicorn alone stops
listening, writes a 1012 close frame ("service restart") to every open websocket at once
and drops the connection: a live answer being written at that moment is still stored,
but its acknowledgement is lost (the client resends it on reconnect, and the same key
counts once). Here the worker first stops listening, then asks every open websocket
consumer (``apps.core.ws.drain``) to finish the message it is handling, answer it and
close with 1012 itself; only what is still open after ``DRAIN_SECONDS`` is left to
uvicorn's own shutdown, which then waits for in-flight HTTP requests.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys

from gunicorn.arbiter import Arbiter
from uvicorn.server import Server
from uvicorn_worker import UvicornWorker

logger = logging.getLogger("uvicorn.error")

#: seconds open websockets get to finish and close themselves after SIGTERM
DRAIN_SECONDS = 5.0


class DrainingServer(Server):
    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:  # stop accepting first: reconnections go elsewhere
            server.close()
        for sock in sockets or []:
            sock.close()
        from apps.core.ws import drain  # the application is loaded by now

        try:
            still_open = await drain(DRAIN_SECONDS)
        except Exception:  # never a reason not to shut down
            logger.exception("draining websockets failed")
        else:
            if still_open:
                logger.warning(
                    "%d websocket(s) did not close within %.0f s", still_open, DRAIN_SECONDS
                )
        await self._end_websocket_tasks()
        await super().shutdown(sockets=None)

    async def _end_websocket_tasks(self, grace: float = 1.0) -> None:
        """Every consumer has finished its work, but a socket's ASGI task may still wait
        on the cancellation of its channel-layer receive (with channels-redis 4.3 such a
        receive waited on Redis for over 13 s): cancel such a task again rather than let
        uvicorn wait for it until ``timeout_graceful_shutdown``."""

        def websocket_tasks() -> list[asyncio.Task[None]]:
            return [
                task
                for task in self.server_state.tasks
                if any(
                    name in getattr(task.get_coro(), "__qualname__", "")
                    for name in ("WebSocket", "WSProtocol")
                )
            ]

        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while websocket_tasks() and loop.time() < deadline:
            await asyncio.sleep(0.05)
        for task in websocket_tasks():
            task.cancel()


class Worker(UvicornWorker):
    CONFIG_KWARGS = {
        "lifespan": "off",  # Django does not implement the lifespan protocol
        "ws_max_size": 64 * 1024,  # refuse oversized websocket frames at the server
        "ws_ping_interval": 20.0,
        "ws_ping_timeout": 20.0,
        # No permessage-deflate: live broadcasts are ~1 KB frames written to every
        # player; compressing each copy per connection cost more CPU than the bytes saved
        # and ~35 KiB of RSS per socket (bench/live_bench.py, docs/benchmarks.md "Live sessions").
        "ws_per_message_deflate": False,
        "proxy_headers": False,
        "server_header": False,  # no "server: uvicorn" on every response
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Requests still running this long after the drain are cancelled and the worker
        # exits by itself, before the master's SIGKILL at ``graceful_timeout``.
        self.config.timeout_graceful_shutdown = max(
            int(self.cfg.graceful_timeout - DRAIN_SECONDS - 2), 1
        )

    async def _serve(self) -> None:
        self.config.app = self.wsgi
        server = DrainingServer(config=self.config)
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
