"""The Channels floor for bench/live_bench.py: the least a Channels app can do per answer.

    gunicorn -w 2 -k config.workers.Worker bench.floor_channels:application
    (bench/live_bench.py starts it as the ``channels-2`` target; FLOOR_FRAMES,
    DATABASE_URL and REDIS_URL come from its environment)

A minimal Django Channels application with nothing of the platform in it: one
``AsyncWebsocketConsumer`` per connection, every player in one channels-redis group (one
message per member, as Channels does it out of the box), and each answer INSERTed into
a PostgreSQL table through ``database_sync_to_async`` before it is acknowledged. No
sessions, no authentication, no scoring, no locks. It speaks the same protocol and writes
the same frames as the platform and bench/floor_ws.py:

* every connection gets a ``state`` frame with the current ``seq`` (kept in Redis, so
  both worker processes agree) on connect and on ``sync``;
* the host (``/ws/live/<code>/host/``) sends ``start`` / ``next`` / ``reveal`` / ``end``;
  each is one public event with the next ``seq``, sent to the group, then ``done``;
* ``answer`` frames are stored (``INSERT … ON CONFLICT (key) DO NOTHING``) and
  acknowledged (``duplicate`` when the key was stored before).

The table is ``bench_floor_answer``; bench/live_bench.py creates and empties it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import django
from django.conf import settings

GROUP = "floor"
TABLE = "bench_floor_answer"


def _database() -> dict[str, Any]:
    url = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": url.path.lstrip("/"),
        "USER": url.username or "postgres",
        "PASSWORD": url.password or "",
        "HOST": url.hostname or "127.0.0.1",
        "PORT": url.port or 5432,
        "CONN_MAX_AGE": None,  # the default consumer's one DB thread keeps its connection
    }


if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-floor-channels",
        ALLOWED_HOSTS=["*"],
        INSTALLED_APPS=["channels"],
        DATABASES={"default": _database()},
        CHANNEL_LAYERS={
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    "hosts": [os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/6")],
                    "prefix": "bench-floor:",
                    "capacity": 1500,
                },
            }
        },
        USE_TZ=True,
    )
    django.setup()

from channels.db import database_sync_to_async  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.layers import get_channel_layer  # noqa: E402
from channels.routing import URLRouter  # noqa: E402
from django.db import connection  # noqa: E402
from django.urls import re_path  # noqa: E402

_frames_path = os.environ.get("FLOOR_FRAMES")
FRAMES: dict[str, Any] = json.loads(Path(_frames_path).read_text()) if _frames_path else {}
QUESTIONS: list[dict[str, Any]] = FRAMES.get("questions") or [
    {"id": 1, "type": "true_false", "prompt_html": "<p>?</p>", "choices": []}
]
CLOSED: list[dict[str, Any]] = FRAMES.get("closed") or [{}]
LIMIT_MS = int(os.environ.get("FLOOR_SECONDS_PER_QUESTION", "15")) * 1000


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"))


def _insert(key: str, index: int, response: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (key, idx, response, at) VALUES (%s, %s, %s, now()) "
            "ON CONFLICT (key) DO NOTHING",
            [key, index, response],
        )
        return cursor.rowcount == 0


async def _redis():
    layer = get_channel_layer()
    return layer.connection(0)  # type: ignore[attr-defined]


class Player(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()
        await self.send_state()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def send_state(self) -> None:
        redis = await _redis()
        seq = int(await redis.get("bench-floor:seq") or 0)
        state = json.loads(await redis.get("bench-floor:state") or '{"status":"lobby","index":-1}')
        await self.send(dumps({"type": "state", "seq": seq, "state": {**state, "seq": seq}}))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        message = json.loads(text_data or "{}")
        kind = message.get("type")
        if kind == "answer":
            key = str(message.get("key"))
            duplicate = await database_sync_to_async(_insert)(
                key, int(message.get("index", -1)), json.dumps(message.get("response"))
            )
            ack = {"type": "ack", "ref": key, "index": message.get("index")}
            await self.send(dumps({**ack, "duplicate": duplicate}))
        elif kind == "sync":
            await self.send_state()
        else:
            await self.act(str(kind))

    async def act(self, action: str) -> None:
        await self.send(dumps({"type": "error", "code": "not_host"}))

    async def live_event(self, event: dict[str, Any]) -> None:
        await self.send(event["text"])


class Host(Player):
    async def act(self, action: str) -> None:
        redis = await _redis()
        state = json.loads(await redis.get("bench-floor:state") or '{"status":"lobby","index":-1}')
        index = int(state["index"])
        if action in {"start", "next"} and state["status"] != "question":
            index += 1
            now = int(time.time() * 1000)
            state = {"status": "question", "index": index}
            event, body = (
                "question",
                {
                    "index": index,
                    "total": len(QUESTIONS),
                    "round": index + 1,
                    "question": QUESTIONS[index % len(QUESTIONS)],
                    "timing": {
                        "server_now": now,
                        "deadline": now + LIMIT_MS,
                        "remaining_ms": LIMIT_MS,
                        "limit_ms": LIMIT_MS,
                    },
                },
            )
        elif action == "reveal" and state["status"] == "question":
            state = {"status": "review", "index": index}
            event, body = "closed", {"index": index, "voided": False, **CLOSED[index % len(CLOSED)]}
        elif action == "end":
            state = {"status": "ended", "index": index}
            last = CLOSED[-1]
            event = "ended"
            body = {"leaderboard": last.get("leaderboard", []), "players": last.get("players", 0)}
        else:
            await self.send(dumps({"type": "error", "code": "invalid_state"}))
            return
        seq = int(await redis.incr("bench-floor:seq"))
        await redis.set("bench-floor:state", json.dumps(state))
        text = dumps({"type": "event", "event": event, "seq": seq, **body})
        await self.channel_layer.group_send(GROUP, {"type": "live.event", "text": text})
        await self.send(dumps({"type": "done", "action": action, "ref": None}))


application = URLRouter(
    [
        re_path(r"^ws/live/(?P<code>\w+)/host/$", Host.as_asgi()),
        re_path(r"^ws/live/(?P<code>\w+)/play/$", Player.as_asgi()),
    ]
)


def reset(database_url: str, redis_url: str) -> None:
    """Create and empty the answers table and the Redis keys (called by the benchmark)."""
    import psycopg
    import redis

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (key text PRIMARY KEY, idx int NOT NULL, "
            "response jsonb NOT NULL, at timestamptz NOT NULL)"
        )
        conn.execute(f"TRUNCATE {TABLE}")
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter("bench-floor:*"):
        client.delete(key)
