"""Every websocket route of the platform, collected in one place."""

from __future__ import annotations

from apps.core.routing import websocket_urlpatterns as core_ws

websocket_urlpatterns = [*core_ws]
