"""The system websocket: proves the ASGI → Channels → channel layer path."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings

from apps.core.ws import JsonConsumer, require_str


class SystemConsumer(JsonConsumer):
    """``/ws/system/``: greets the client and answers pings through the channel layer.

    A ``ping`` is not answered directly: it is sent through the channel layer to
    this consumer's own channel and answered when it comes back, so a ``pong``
    proves the whole path, Redis included in services mode.
    """

    handlers = {"ping": "handle_ping"}

    async def on_open(self) -> None:
        user = self.scope.get("user")
        await self.send_json(
            {
                "type": "hello",
                "user": user.get_username() if user and user.is_authenticated else None,
                "mode": "services" if settings.SERVICES_MODE else "embedded",
                "layer": type(self.channel_layer).__name__,
            }
        )

    async def handle_ping(self, message: dict[str, Any]) -> None:
        nonce = require_str(message, "nonce", max_length=64)
        await self.channel_layer.send(
            self.channel_name, {"type": "system.pong", "nonce": nonce, "sent": time.time()}
        )

    async def system_pong(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {
                "type": "pong",
                "nonce": event["nonce"],
                "layer_ms": round((time.time() - event["sent"]) * 1000, 3),
            }
        )
