from django.urls import re_path

from apps.live import consumers

websocket_urlpatterns = [
    re_path(r"^ws/live/(?P<code>[A-Za-z0-9]{6})/play/$", consumers.PlayerConsumer.as_asgi()),
    re_path(r"^ws/live/(?P<code>[A-Za-z0-9]{6})/host/$", consumers.HostConsumer.as_asgi()),
]
