"""The websocket path: origin check, auth scope, channel layer round trip, validation."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings

from config.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def run(coro_fn):
    return async_to_sync(coro_fn)()


def communicator(headers=(ORIGIN,), path="/ws/system/"):
    return WebsocketCommunicator(application, path, headers=list(headers))


def test_hello_then_ping_round_trips_through_the_channel_layer():
    async def scenario():
        ws = communicator()
        connected, _ = await ws.connect()
        assert connected
        hello = await ws.receive_json_from()
        assert hello["type"] == "hello"
        assert hello["user"] is None
        expected_layer = "RedisChannelLayer" if settings.SERVICES_MODE else "InMemoryChannelLayer"
        assert hello["layer"] == expected_layer
        await ws.send_json_to({"type": "ping", "nonce": "n-1"})
        pong = await ws.receive_json_from(timeout=5)
        assert pong["type"] == "pong"
        assert pong["nonce"] == "n-1"
        await ws.disconnect()

    run(scenario)


def test_foreign_origin_is_refused():
    async def scenario():
        ws = communicator(headers=[(b"origin", b"https://evil.example")])
        connected, _ = await ws.connect()
        assert not connected

    run(scenario)


def test_missing_origin_is_refused():
    async def scenario():
        ws = communicator(headers=[])
        connected, _ = await ws.connect()
        assert not connected

    run(scenario)


def test_signed_in_user_is_recognised(client, django_user_model):
    user = django_user_model.objects.create_user("wsuser", password="pw-long-enough-1")
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    async def scenario():
        ws = communicator(headers=[ORIGIN, (b"cookie", cookie.encode())])
        connected, _ = await ws.connect()
        assert connected
        hello = await ws.receive_json_from()
        assert hello["user"] == "wsuser"
        await ws.disconnect()

    run(scenario)


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "bad_json"),
        ("[1, 2]", "bad_message"),
        ('{"no": "type"}', "bad_message"),
        ('{"type": "launch_missiles"}', "unknown_type"),
        ('{"type": "ping"}', "invalid"),
        ('{"type": "ping", "nonce": 5}', "invalid"),
    ],
)
def test_bad_messages_get_an_error_frame_and_the_connection_stays(frame, code):
    async def scenario():
        ws = communicator()
        await ws.connect()
        await ws.receive_json_from()
        await ws.send_to(text_data=frame)
        error = await ws.receive_json_from()
        assert error == {"type": "error", "code": code, "message": error["message"]}
        assert error["message"]
        await ws.send_json_to({"type": "ping", "nonce": "still-open"})
        assert (await ws.receive_json_from(timeout=5))["type"] == "pong"
        await ws.disconnect()

    run(scenario)


def test_oversized_frame_is_refused_and_closed():
    async def scenario():
        ws = communicator()
        await ws.connect()
        await ws.receive_json_from()
        await ws.send_to(text_data=json.dumps({"type": "ping", "nonce": "x" * 20000}))
        error = await ws.receive_json_from()
        assert error["code"] == "too_large"
        closed = await ws.receive_output(timeout=2)
        assert closed == {"type": "websocket.close", "code": 1009}
        await ws.disconnect()

    run(scenario)


def test_flood_is_rate_limited_then_disconnected():
    async def scenario():
        ws = communicator()
        await ws.connect()
        await ws.receive_json_from()
        for _ in range(200):
            await ws.send_to(text_data='{"type": "unknown"}')
        codes = []
        closed = None
        while True:
            output = await ws.receive_output(timeout=5)
            if output["type"] == "websocket.close":
                closed = output
                break
            codes.append(json.loads(output["text"])["code"])
        assert "rate_limited" in codes
        assert codes.count("unknown_type") <= 25  # the burst, plus refill during the loop
        assert closed["code"] == 1008
        await ws.disconnect()

    run(scenario)


def test_drain_closes_each_open_socket_with_1012_after_the_frame_it_is_handling():
    """What a worker does on SIGTERM (config/workers.py): every socket answers the frame
    it was handling, then closes with 1012 ("service restart"); frames it had not begun
    are left for the client to send again; ``drain`` returns once all have finished."""
    from apps.core.ws import SERVER_RESTART, drain

    async def scenario():
        ws = communicator()
        assert (await ws.connect())[0]
        assert (await ws.receive_json_from())["type"] == "hello"
        await ws.send_json_to({"type": "ping", "nonce": "before"})
        assert (await ws.receive_json_from(timeout=5))["nonce"] == "before"
        draining = asyncio.ensure_future(drain(5))
        closed = await ws.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": SERVER_RESTART}
        await ws.send_json_to({"type": "ping", "nonce": "after"})  # sent before it saw the close
        await ws.send_input({"type": "websocket.disconnect", "code": SERVER_RESTART})
        assert await asyncio.wait_for(draining, 5) == 0  # every consumer has finished
        assert await ws.receive_nothing(timeout=0.2)  # "after" was never answered
        assert await drain(0.1) == 0  # nothing left to drain

    run(scenario)
