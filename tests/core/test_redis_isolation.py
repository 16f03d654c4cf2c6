"""Two deployments on one Redis share nothing: not the cache, the channel layer, the broker
or the results, when their database numbers differ, or their REDIS_KEY_PREFIX does.

Each "deployment" is a process started with production settings and its own REDIS_URL and
REDIS_KEY_PREFIX, as a site would be; one writes through the cache, the channel layer and
Celery (a queued task and a stored result), the others look for what it wrote.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from redis.connection import parse_url

pytestmark = pytest.mark.services

ROOT = Path(__file__).resolve().parents[2]
NAME = "isolation-probe"

PROBE = """
import asyncio, json, sys, django
django.setup()
from channels.layers import get_channel_layer
from django.core.cache import cache
from config.celery import app

mode, token, task_id, NAME = sys.argv[1:5]
layer = get_channel_layer()

if mode == "write":
    cache.set(NAME, token, 300)
    asyncio.run(layer.send(NAME, {"type": "probe", "token": token}))
    asyncio.run(layer.group_add(NAME, NAME))
    app.send_task(NAME, args=[token], queue=NAME)
    app.backend.store_result(task_id, token, "SUCCESS")
    print("{}")
else:
    async def receive():
        try:
            return (await asyncio.wait_for(layer.receive(NAME), 2))["token"]
        except TimeoutError:
            return None

    with app.connection_for_read() as conn:
        # The channel's client adds the key prefix (kombu's passive queue_declare does
        # not: its EXISTS goes out unprefixed).
        queued = conn.default_channel.client.llen(NAME)
    print(json.dumps({
        "cache": cache.get(NAME),
        "channel": asyncio.run(receive()),
        "queue": queued,
        "result": app.backend.get_task_meta(task_id)["status"],
    }))
"""


def _db() -> int:
    return int(parse_url(settings.REDIS_URL).get("db", 0))


def _url(db: int) -> str:
    parts = urlsplit(settings.REDIS_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", "", ""))


class Deployment:
    def __init__(self, db: int, prefix: str) -> None:
        self.db, self.prefix = db, prefix

    def run(self, mode: str, token: str, task_id: str) -> dict:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "PYTEST", "DATABASE_", "REDIS_", "CELERY_"))
            and k != "CHANNEL_LAYER_URL"
        }
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DJANGO_ENV="production",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
            DJANGO_ALLOWED_HOSTS="academy.example.com",
            LOG_LEVEL="ERROR",
            REDIS_URL=_url(self.db),
            REDIS_KEY_PREFIX=self.prefix,
        )
        done = subprocess.run(
            [sys.executable, "-c", PROBE, mode, token, task_id, NAME],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])


def _keys(db: int, marker: str) -> list[str]:
    client = redis.Redis.from_url(_url(db), decode_responses=True)
    return sorted(k for k in client.scan_iter(match=f"*{marker}*", count=1000))


@pytest.fixture
def prefixes() -> Iterator[tuple[str, str]]:
    """Two prefixes no one else uses; every key under either is deleted afterwards."""
    marker = f"iso{secrets.token_hex(4)}"
    pair = (f"{marker}-a", f"{marker}-b")
    yield pair
    for db in {_db(), _other_db()}:
        client = redis.Redis.from_url(_url(db))
        for key in client.scan_iter(match=f"*{marker}*", count=1000):
            client.delete(key)


def _other_db() -> int:
    return (_db() + 1) % 16


def test_deployments_on_other_database_numbers_or_prefixes_share_nothing(prefixes):
    mine, other = prefixes
    db = _db()
    token, task_id = secrets.token_hex(8), secrets.token_hex(16)
    Deployment(db, mine).run("write", token, task_id)

    nothing = {"cache": None, "channel": None, "queue": 0, "result": "PENDING"}
    # Another database number, the same prefix: what the old fixed databases 0-2 shared.
    assert Deployment(_other_db(), mine).run("read", token, task_id) == nothing
    # The same database, another prefix.
    assert Deployment(db, other).run("read", token, task_id) == nothing
    # The writer's own settings see all of it: the probe can tell.
    keys = _keys(db, mine)
    assert Deployment(db, mine).run("read", token, task_id) == {
        "cache": token,
        "channel": token,
        "queue": 1,
        "result": "SUCCESS",
    }, f"keys under {mine}: {keys}"

    # Every key it wrote is in its database and starts with "<prefix>:"; the other
    # database holds none.
    written = _keys(db, mine)
    assert written, "the probe wrote nothing"
    assert [k for k in written if not k.startswith(f"{mine}:")] == []
    roles = {k.split(":")[1] for k in written}
    assert roles == {"cache", "channels", "celery"}
    assert _keys(_other_db(), mine) == []
