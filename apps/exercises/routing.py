from django.urls import re_path

from apps.exercises import consumers

websocket_urlpatterns = [
    re_path(r"^ws/exercises/runs/(?P<run_id>[0-9]{1,18})/$", consumers.RunConsumer.as_asgi()),
    re_path(
        r"^ws/exercises/block-runs/(?P<run_id>[0-9]{1,18})/$",
        consumers.BlockRunConsumer.as_asgi(),
    ),
]
