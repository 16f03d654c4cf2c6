"""ASGI entry point: HTTP and websockets on one port.

* websockets go to Channels: ``AllowedHostsOriginValidator(AuthMiddlewareStack(...))``
  and the routes collected in ``config/routing.py``;
* HTTP goes to Django's request handler run in a bounded thread pool (a2wsgi).

Why not Django's async HTTP handler: under ASGI it runs every ``MiddlewareMixin``
hook (sessions, CSRF, auth, messages, …) through ``sync_to_async`` and starts a
thread per request, and the hops between the event loop and threads cost more
than the work. Measured on this project (2 gunicorn workers, 32 connections,
wrk): ``/healthz`` 375 → 1,292 req/s and ``/`` 190 → 435 req/s with the thread
pool (docs/benchmarks.md, "Pages"). Views here are synchronous, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Sets Django up (apps, models) before anything that touches the ORM is imported.
django_wsgi_app = get_wsgi_application()

from a2wsgi import WSGIMiddleware  # noqa: E402
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from apps.core.runtime import set_main_loop  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402


class HttpApp:
    """Django over a thread pool; remembers the server's event loop for health checks."""

    def __init__(self) -> None:
        self.app = WSGIMiddleware(django_wsgi_app, workers=settings.HTTP_THREADS)  # type: ignore[arg-type]
        self.loop_known = False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if not self.loop_known:
            set_main_loop(asyncio.get_running_loop())
            self.loop_known = True
        await self.app(scope, receive, send)  # type: ignore[arg-type]


application = ProtocolTypeRouter(
    {
        "http": HttpApp(),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
