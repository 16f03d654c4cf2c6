from django.urls import re_path

from apps.labs import consumers

websocket_urlpatterns = [
    re_path(r"^ws/labs/(?P<code>[A-Za-z0-9]{6})/$", consumers.LearnerConsumer.as_asgi()),
    re_path(r"^ws/labs/(?P<code>[A-Za-z0-9]{6})/host/$", consumers.HostConsumer.as_asgi()),
]
