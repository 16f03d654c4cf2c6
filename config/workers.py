"""gunicorn worker class: uvicorn's ASGI worker from the ``uvicorn-worker`` package."""

from __future__ import annotations

from uvicorn_worker import UvicornWorker


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
