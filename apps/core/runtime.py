"""Process-wide runtime facts set by the ASGI entry point."""

from __future__ import annotations

import asyncio

_main_loop: asyncio.AbstractEventLoop | None = None


def set_main_loop(loop: asyncio.AbstractEventLoop) -> None:
    global _main_loop  # noqa: PLW0603
    _main_loop = loop


def main_loop() -> asyncio.AbstractEventLoop | None:
    """The server's event loop (where websocket consumers and the channel layer live)."""
    if _main_loop is not None and _main_loop.is_running() and not _main_loop.is_closed():
        return _main_loop
    return None
