"""A code lab across two real servers (gunicorn + uvicorn ASGI workers, channels-redis,
PostgreSQL): the host's board on server A, one learner on A and one on B, runs finished
in a third process (this one, standing in for a sandbox worker). Hints, pause and the
reference solution reach the learner on the other server, a hint to one learner stays
theirs, every frame arrives in ``seq`` order, and each finished run's line reaches the
board on A."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import Client, TestCase

from apps.exercises import services as exercise_services
from apps.labs import selectors, services
from apps.labs.models import LabProgress, LabRun
from tests.exercises.conftest import SOLUTION, STARTER, make_exercise
from tests.factories import UserFactory
from tests.labs.conftest import dispatched, fake_sandbox, new_key
from tests.live.test_live_multiprocess import servers

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

__all__ = ["dispatched", "fake_sandbox", "servers"]

TIMEOUT = 15.0


def cookie_for(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


class Socket:
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []

    @classmethod
    async def open(cls, server: Any, path: str, cookie: str) -> Socket:
        import websockets

        ws = await websockets.connect(
            f"{server.ws}{path}",
            origin=server.http,  # type: ignore[arg-type]
            additional_headers={"Cookie": f"sessionid={cookie}"},
            proxy=None,
            open_timeout=5,
            max_size=4 * 1024 * 1024,
        )
        return cls(ws)

    async def until(self, predicate: Any) -> dict[str, Any]:
        async with asyncio.timeout(TIMEOUT):
            while True:
                frame = json.loads(await self.ws.recv())
                self.frames.append(frame)
                if predicate(frame):
                    return frame

    def seqs(self, kind: str) -> list[int]:
        return [f["seq"] for f in self.frames if f.get("type") == kind]


def test_a_lab_across_two_servers(servers, fake_sandbox, dispatched):
    a, b = servers
    exercise = make_exercise()
    host = UserFactory(username="host")
    ann, bea = UserFactory(username="ann"), UserFactory(username="bea")
    lab = services.lab_create(host=host, exercise_slugs=[exercise.slug])
    learner_ann = services.lab_join(lab_id=lab.pk, user=ann)
    services.lab_join(lab_id=lab.pk, user=bea)
    item = selectors.lab_items(lab)[0]
    cookies = {user.username: cookie_for(user) for user in (host, ann, bea)}

    def finish_a_run(user: Any, code: str, mode: str) -> int:
        with TestCase.captureOnCommitCallbacks(execute=True):
            run = services.lab_run_create(lab_id=lab.pk, user=user, exercise_slug=exercise.slug,
                                          code=code, mode=mode, key=new_key())  # fmt: skip
        exercise_services.run_execute(run_id=run.pk)
        return run.pk

    async def scenario() -> None:
        board = await Socket.open(a, f"/ws/labs/{lab.code}/host/", cookies["host"])
        on_b = await Socket.open(b, f"/ws/labs/{lab.code}/", cookies["ann"])
        on_a = await Socket.open(a, f"/ws/labs/{lab.code}/", cookies["bea"])
        snapshot = await board.until(lambda f: f["type"] == "board_state")
        state = await on_b.until(lambda f: f["type"] == "state")
        await on_a.until(lambda f: f["type"] == "state")
        seq = state["seq"]

        await board.ws.send(json.dumps({"type": "hint", "text": "Ann only",
                                        "learner": learner_ann.pk}))  # fmt: skip
        hint = await on_b.until(lambda f: f.get("event") == "hint")
        assert hint["hint"]["text"] == "Ann only" and hint["seq"] == seq + 1
        skip = await on_a.until(lambda f: f.get("event") == "skip")
        assert skip["seq"] == seq + 1 and "Ann only" not in json.dumps(on_a.frames)

        await board.ws.send(json.dumps({"type": "pause", "message": "Look up"}))
        paused = await on_b.until(lambda f: f.get("event") == "paused")
        assert paused["lab"]["message"] == "Look up"
        await board.ws.send(json.dumps({"type": "resume"}))
        await on_b.until(lambda f: f.get("event") == "resumed")
        await on_a.until(lambda f: f.get("event") == "resumed")

        ann_run = await sync_to_async(finish_a_run)(ann, SOLUTION, "submit")
        bea_run = await sync_to_async(finish_a_run)(bea, STARTER, "run")
        for run_id, status in ((ann_run, "passed"), (bea_run, "failed")):
            line = await board.until(
                lambda f, r=run_id: (
                    f.get("type") == "board"
                    and any(
                        row["last_run"] == r and row["last_status"] in ("passed", "failed")
                        for row in f.get("rows", [])
                    )
                )
            )
            assert next(r for r in line["rows"] if r["last_run"] == run_id)["last_status"] == status

        await board.ws.send(json.dumps({"type": "unlock", "item": item.pk}))
        solution = await on_b.until(lambda f: f.get("event") == "solution")
        assert "REFERENCE-SOLUTION" in solution["solution"]

        for socket in (on_a, on_b):  # learners' numbered events: no gap, no repeat
            seqs = socket.seqs("event")
            assert seqs == list(range(seq + 1, seq + 1 + len(seqs))), seqs
        numbers = board.seqs("board")
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
        assert numbers[0] > snapshot["seq"]
        for socket in (board, on_a, on_b):
            await socket.ws.close()

    async_to_sync(scenario)()


def test_the_board_converges_after_its_server_is_killed_mid_lab(servers, fake_sandbox, dispatched):
    """The board and one learner are on A, the other learner on B. A is killed (SIGKILL)
    mid-lab; runs go on finishing meanwhile (in this process, as a sandbox worker would).
    Nothing is lost: the host reopens the board on B and its snapshot holds every run,
    each learner's latest result and counts equal to the database's; the learner who was
    on A reconnects to B and is told of the hint sent while it had no server."""
    a, b = servers
    exercise = make_exercise()
    host = UserFactory(username="host")
    ann, bea = UserFactory(username="ann"), UserFactory(username="bea")
    lab = services.lab_create(host=host, exercise_slugs=[exercise.slug])
    services.lab_join(lab_id=lab.pk, user=ann)
    learner_bea = services.lab_join(lab_id=lab.pk, user=bea)
    cookies = {user.username: cookie_for(user) for user in (host, ann, bea)}
    made: dict[str, list[int]] = {"ann": [], "bea": []}

    def finish_a_run(user: Any, code: str, mode: str) -> int:
        with TestCase.captureOnCommitCallbacks(execute=True):
            run = services.lab_run_create(lab_id=lab.pk, user=user, exercise_slug=exercise.slug,
                                          code=code, mode=mode, key=new_key())  # fmt: skip
        exercise_services.run_execute(run_id=run.pk)
        made[user.username].append(run.pk)
        return run.pk

    def rows_of(board_state: dict[str, Any]) -> dict[int, dict[str, Any]]:
        return {row["learner"]: row for row in board_state["board"]["items"][0]["rows"]}

    async def scenario() -> None:
        board = await Socket.open(a, f"/ws/labs/{lab.code}/host/", cookies["host"])
        bea_on_a = await Socket.open(a, f"/ws/labs/{lab.code}/", cookies["bea"])
        ann_on_b = await Socket.open(b, f"/ws/labs/{lab.code}/", cookies["ann"])
        await board.until(lambda f: f["type"] == "board_state")
        before = await bea_on_a.until(lambda f: f["type"] == "state")
        await ann_on_b.until(lambda f: f["type"] == "state")
        first = await sync_to_async(finish_a_run)(bea, STARTER, "run")
        await board.until(
            lambda f: (
                f.get("type") == "board"
                and any(row["last_run"] == first for row in f.get("rows", []))
            )
        )

        await sync_to_async(a.kill)()  # the board's server and bea's, mid-lab
        for user, code, mode in ((ann, SOLUTION, "submit"), (bea, STARTER, "run"),
                                 (ann, STARTER, "run"), (bea, SOLUTION, "submit")):  # fmt: skip
            await sync_to_async(finish_a_run)(user, code, mode)
        await sync_to_async(services.lab_hint_send)(
            lab_id=lab.pk, user=host, text="Read the docstring", learner_id=learner_bea.pk
        )

        board = await Socket.open(b, f"/ws/labs/{lab.code}/host/", cookies["host"])
        snapshot = await board.until(lambda f: f["type"] == "board_state")
        rows = rows_of(snapshot)
        progress = await sync_to_async(
            lambda: {
                p.learner.user.username: p
                for p in LabProgress.objects.filter(lab=lab).select_related("learner__user")
            }
        )()
        for name in ("ann", "bea"):
            row = rows[progress[name].learner_id]
            assert row["runs"] == len(made[name]), (name, row)
            assert row["last_run"] == made[name][-1], (name, row)
        assert rows[progress["bea"].learner_id]["last_status"] == "passed"
        assert rows[progress["ann"].learner_id]["last_status"] == "failed"
        assert rows[progress["ann"].learner_id]["best"] == rows[progress["ann"].learner_id]["total"]

        bea_on_b = await Socket.open(b, f"/ws/labs/{lab.code}/", cookies["bea"])
        state = await bea_on_b.until(lambda f: f["type"] == "state")
        assert state["seq"] > before["seq"]
        assert "Read the docstring" in json.dumps(state)
        for socket in (board, bea_on_b, ann_on_b):
            await socket.ws.close()

    async_to_sync(scenario)()
    assert LabRun.objects.filter(lab=lab, recorded=False).count() == 0
    assert sum(p.runs for p in LabProgress.objects.filter(lab=lab)) == 5
