"""The channel layer spread over two Redis instances (``CHANNEL_LAYER_URL`` with two
URLs: channels-redis's sharded ``hosts``), with two local ``redis-server`` processes
started here on ports 6391 and 6392.

* group sends and per-channel sends reach consumers whose processes receive on different
  shards (apps/core/layers.py fixes channels-redis 4.3 writing about half of the
  per-channel sends to the shard nobody reads);
* a short live game runs on two servers whose layer has both instances.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from apps.core.layers import RedisChannelLayer
from apps.live import services
from apps.live.models import LiveAnswer
from tests.factories import UserFactory
from tests.live.test_live_multiprocess import LiveClient, _servers, event, responses
from tests.quizzes.conftest import build_quiz

PORTS = (6391, 6392)


@pytest.fixture(scope="module")
def two_redis() -> Iterator[list[str]]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    started = []
    try:
        for port in PORTS:
            command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
            command += ["--appendonly", "no", "--maxmemory-policy", "noeviction"]
            started.append(
                subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
        for port in PORTS:
            client = redis.Redis(port=port, socket_timeout=1)
            deadline = time.monotonic() + 10
            while True:
                with contextlib.suppress(redis.RedisError):
                    if client.ping():
                        break
                assert time.monotonic() < deadline, f"redis-server on {port} did not start"
                time.sleep(0.05)
            client.close()
        yield [f"redis://127.0.0.1:{port}/0" for port in PORTS]
    finally:
        for process in started:
            process.terminate()
        for process in started:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)


def _layer(urls: list[str]) -> RedisChannelLayer:
    return RedisChannelLayer(hosts=[{"address": url} for url in urls], prefix="shards-test:")


def test_group_and_channel_sends_reach_consumers_on_either_shard(two_redis):
    async def scenario() -> None:
        # One layer per "process", until there is one receiving on each shard.
        by_shard: dict[int, tuple[RedisChannelLayer, list[str]]] = {}
        while len(by_shard) < 2:
            layer = _layer(two_redis)
            first = await layer.new_channel()
            shard = layer.consistent_hash(layer.non_local_name(first))
            if shard not in by_shard:
                by_shard[shard] = (layer, [first, *[await layer.new_channel() for _ in range(19)]])
        sender = _layer(two_redis)
        channels = [name for _, names in by_shard.values() for name in names]
        # The stock layer hashed the whole name: some of these would have gone astray.
        assert any(
            sender.consistent_hash(name.encode()) != sender.consistent_hash(name)
            for name in channels
        )

        async def receive(layer: RedisChannelLayer, channel: str) -> dict:
            return await asyncio.wait_for(layer.receive(channel), 3)

        # A message to each socket's own channel reaches it.
        for name in channels:
            await sender.send(name, {"type": "direct", "to": name})
        for layer, names in by_shard.values():
            got = await asyncio.gather(*(receive(layer, name) for name in names))
            assert [m["to"] for m in got] == names

        # Groups stored on either shard reach members on both.
        groups: dict[int, str] = {}
        while len(groups) < 2:
            name = f"live.{uuid.uuid4().hex[:8]}"
            groups.setdefault(sender.consistent_hash(name), name)
        for group in groups.values():
            for layer, names in by_shard.values():
                await layer.group_add(group, names[0])
            await sender.group_send(group, {"type": "broadcast", "group": group})
            for layer, names in by_shard.values():
                assert (await receive(layer, names[0]))["group"] == group
        # Each instance holds what hashes to it: one group's members each.
        for port in PORTS:
            client = redis.Redis(port=port)
            assert len(client.keys("shards-test::group:*")) == 1, port
            client.close()
        for layer, _ in (*by_shard.values(), (sender, [])):
            await layer.flush()
            await layer.close_pools()

    asyncio.run(asyncio.wait_for(scenario(), 30))


@pytest.fixture
def sharded_servers(two_redis, tmp_path: Path, transactional_db: None):
    yield from _servers(tmp_path, {"CHANNEL_LAYER_URL": ",".join(two_redis)})


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_live_game_runs_on_a_layer_over_two_redis_instances(sharded_servers, two_redis):
    a, b = sharded_servers
    quiz = build_quiz()
    host_user = UserFactory(username="shardhost")
    session = services.session_create(host=host_user, quiz_slug=quiz.slug, seconds_per_question=60)
    code = session.code
    right = responses(quiz, session.question_ids)[0][0]
    web = Client()
    web.force_login(host_user)
    host = LiveClient("host", "host", code, web.cookies["sessionid"].value)
    players = []
    for n in range(2):
        joined = services.player_join(session_id=session.pk, user=AnonymousUser(), nickname=f"S{n}")
        store = SessionStore()
        store["live"] = {code: {"player": joined.player.pk, "secret": joined.secret}}
        store.save()
        players.append(LiveClient(f"s{n}", "play", code, str(store.session_key)))

    async def scenario() -> None:
        await host.connect(a)
        await players[0].connect(a)
        await players[1].connect(b)
        await host.host("start")
        for player in players:
            await player.wait_for(event("question", 0))
        keys = []
        for player in players:
            key = f"{player.name}-{uuid.uuid4().hex[:12]}"
            keys.append(key)
            await player.send({"type": "answer", "index": 0, "response": right, "key": key})
            ack = await player.wait_for(lambda f: f.get("ref") == key)  # noqa: B023
            assert ack["type"] == "ack" and ack["duplicate"] is False
        answered = await host.wait_for(
            lambda f: f["type"] == "answers" and f["distribution"]["answered"] == 2
        )
        assert answered["players"] == 2
        await host.host("reveal")
        for player in players:
            closed = await player.wait_for(event("closed", 0))
            assert closed["leaderboard"]
            result = await player.wait_for(lambda f: f["type"] == "result")
            assert result["correct"] is True
        for client in (host, *players):
            await client.close()

    asyncio.run(asyncio.wait_for(scenario(), 40))
    assert LiveAnswer.objects.filter(session_id=session.pk).count() == 2
    # Both instances carried the layer's keys at some point.
    used = [redis.Redis(port=port).info("commandstats") for port in PORTS]
    assert all(any(name.startswith("cmdstat_") for name in stats) for stats in used)
