"""The run websocket (Channels' WebsocketCommunicator over the real ASGI stack): owner
only, the current state on connect, results streamed in seq order, sync after a gap."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from apps.exercises import services
from apps.exercises.models import Run
from config.asgi import application
from tests.exercises.conftest import SOLUTION, WRONG, make_exercise
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def run(coro_fn):
    return async_to_sync(coro_fn)()


def cookie_for(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def socket(run_id: int, cookie: bytes | None, origin=ORIGIN) -> WebsocketCommunicator:
    headers = [origin] + ([(b"cookie", cookie)] if cookie else [])
    return WebsocketCommunicator(application, f"/ws/exercises/runs/{run_id}/", headers=headers)


async def frames_until(ws, kind: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    seen = []
    while True:
        frame = await ws.receive_json_from(timeout=max(end - loop.time(), 0.01))
        seen.append(frame)
        if frame["type"] == kind:
            return seen


@pytest.fixture
def setup(fake_sandbox, monkeypatch):
    monkeypatch.setattr(services, "run_dispatch", lambda run_id: None)  # the test runs it
    exercise = make_exercise()
    owner = UserFactory(username="owner")
    created = services.run_create(
        user=owner, exercise_slug=exercise.slug, code=WRONG, mode="submit", key="ws-key-0001"
    )
    return {"exercise": exercise, "owner": owner, "run": created, "sandbox": fake_sandbox}


def test_results_stream_to_the_owner_in_seq_order(setup):
    run_id = setup["run"].pk

    async def scenario():
        ws = socket(run_id, await sync_to_async(cookie_for)(setup["owner"]))
        assert (await ws.connect())[0]
        state = await ws.receive_json_from()
        assert state["type"] == "state" and state["seq"] == 0
        assert state["run"]["status"] == "queued" and state["run"]["total"] == 5
        assert "REFERENCE-SOLUTION" not in str(state) and state["run"]["code"] == WRONG
        execution = asyncio.ensure_future(
            sync_to_async(services.run_execute, thread_sensitive=False)(run_id=run_id)
        )
        frames = await frames_until(ws, "done")
        await execution
        assert [f["type"] for f in frames] == ["status"] + ["test"] * 5 + ["done"]
        assert [f["seq"] for f in frames] == list(range(1, 8))
        assert [f["test"]["hidden"] for f in frames[1:6]] == [False, False, True, True, True]
        assert frames[3]["test"]["name"] == "hidden test 1"
        assert "SECRET" not in str(frames) and "test_adds_big_numbers" not in str(frames)
        done = frames[-1]
        assert (done["status"], done["passed"], done["total"]) == ("failed", 4, 5)
        assert done["output"] == "hello from stdout\n" and done["duration_ms"] is not None
        await ws.send_json_to({"type": "sync"})  # after a gap: everything again
        again = await ws.receive_json_from()
        assert again["type"] == "state" and again["seq"] == 7
        assert len(again["run"]["tests"]) == 5 and again["run"]["status"] == "failed"
        await ws.send_json_to({"type": "ping"})
        assert (await ws.receive_json_from())["type"] == "pong"
        await ws.disconnect()

    run(scenario)


def test_connecting_mid_run_gets_the_results_so_far(setup):
    run_id = setup["run"].pk
    services.run_execute(run_id=run_id)  # finished before anyone watched

    async def scenario():
        ws = socket(run_id, await sync_to_async(cookie_for)(setup["owner"]))
        assert (await ws.connect())[0]
        state = await ws.receive_json_from()
        assert state["seq"] == 7 and state["run"]["status"] == "failed"
        assert [t["outcome"] for t in state["run"]["tests"]].count("passed") == 4
        await ws.disconnect()

    run(scenario)


def test_only_the_owner_may_watch(setup):
    run_id = setup["run"].pk
    stranger = UserFactory(username="stranger")

    async def scenario():
        anonymous = socket(run_id, None)
        assert await anonymous.connect() == (False, 4401)
        other = socket(run_id, await sync_to_async(cookie_for)(stranger))
        assert (await other.connect())[0]
        error = await other.receive_json_from()
        assert error["type"] == "error" and error["code"] == "not_found"
        assert (await other.receive_output())["code"] == 4404
        missing = socket(run_id + 1000, await sync_to_async(cookie_for)(setup["owner"]))
        assert (await missing.connect())[0]
        assert (await missing.receive_json_from())["code"] == "not_found"
        foreign = socket(
            run_id,
            await sync_to_async(cookie_for)(setup["owner"]),
            origin=(b"origin", b"https://evil.example"),
        )
        assert not (await foreign.connect())[0]

    run(scenario)


def test_a_socket_hears_only_its_own_run(setup):
    owner, exercise = setup["owner"], setup["exercise"]
    Run.objects.filter(pk=setup["run"].pk).update(status="passed")
    second = services.run_create(
        user=owner, exercise_slug=exercise.slug, code=SOLUTION, mode="run", key="ws-key-0002"
    )

    async def scenario():
        ws = socket(setup["run"].pk, await sync_to_async(cookie_for)(owner))
        assert (await ws.connect())[0]
        await ws.receive_json_from()
        await sync_to_async(services.run_execute, thread_sensitive=False)(run_id=second.pk)
        assert await ws.receive_nothing(timeout=0.3)
        await ws.send_json_to({"type": "bogus"})
        assert (await ws.receive_json_from())["code"] == "unknown_type"
        await ws.disconnect()

    run(scenario)
