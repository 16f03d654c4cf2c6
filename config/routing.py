"""Every websocket route of the platform, collected in one place."""

from __future__ import annotations

from apps.core.routing import websocket_urlpatterns as core_ws
from apps.exercises.routing import websocket_urlpatterns as exercises_ws
from apps.labs.routing import websocket_urlpatterns as labs_ws
from apps.live.routing import websocket_urlpatterns as live_ws

websocket_urlpatterns = [*core_ws, *live_ws, *exercises_ws, *labs_ws]
