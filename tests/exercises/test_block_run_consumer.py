"""A lesson example's run websocket, ``/ws/exercises/block-runs/<id>/``: owner only, the
state on connect, then status, output and done frames in seq order."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from apps.courses.services import lesson_render
from apps.exercises import sandbox, services
from config.asgi import application
from tests.exercises.test_consumers import ORIGIN, cookie_for, frames_until, run
from tests.factories import LessonFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def printing(*, code: str, limits=None, on_output=None) -> sandbox.PhaseResult:
    on_output(b"partial\n")
    return sandbox.PhaseResult(status="ran", output="partial\nall\n", returncode=0)


def socket(run_id: int, cookie: bytes) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application, f"/ws/exercises/block-runs/{run_id}/", headers=[ORIGIN, (b"cookie", cookie)]
    )


def test_output_streams_to_the_owner_only(monkeypatch):
    monkeypatch.setattr(services, "block_run_dispatch", lambda run_id: None)
    monkeypatch.setattr(services, "program_runner", printing)
    monkeypatch.setattr(services, "BLOCK_STREAM_INTERVAL", 0)
    lesson = LessonFactory(body_md="```python run\nprint('all')\n```\n")
    lesson_render(lesson)
    lesson.save()
    owner, stranger = UserFactory(), UserFactory()
    created = services.block_run_create(
        user=owner, block=0, key="ws-block-1", course_slug=lesson.module.course.slug,
        module_slug=lesson.module.slug, lesson_slug=lesson.slug,
    )  # fmt: skip

    async def scenario():
        other = socket(created.pk, await sync_to_async(cookie_for)(stranger))
        assert (await other.connect())[0]
        assert (await other.receive_json_from())["type"] == "error"
        assert (await other.receive_output())["code"] == 4404
        ws = socket(created.pk, await sync_to_async(cookie_for)(owner))
        assert (await ws.connect())[0]
        state = await ws.receive_json_from()
        assert state["type"] == "state" and state["run"]["status"] == "queued"
        execution = asyncio.ensure_future(
            sync_to_async(services.block_run_execute, thread_sensitive=False)(run_id=created.pk)
        )
        frames = await frames_until(ws, "done")
        await execution
        assert [f["type"] for f in frames] == ["status", "output", "done"]
        assert [f["seq"] for f in frames] == [state["seq"] + n for n in (1, 2, 3)]
        assert frames[1]["output"] == "partial\n"
        assert (frames[2]["status"], frames[2]["exit_code"], frames[2]["output"]) == (
            "done", 0, "partial\nall\n"
        )  # fmt: skip
        await ws.disconnect()

    run(scenario)
