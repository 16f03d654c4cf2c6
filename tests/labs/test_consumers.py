"""Code lab websockets over the real ASGI stack: origin and auth checks, who may open
the board, learners' numbered events (hints to one learner stay theirs), the board's
incremental lines and snapshots, host actions, queue places, resync."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from apps.exercises import services as exercise_services
from apps.labs import selectors, services
from config.asgi import application
from tests.factories import UserFactory
from tests.labs.conftest import SOLUTION, STARTER, new_key

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("dispatched")]

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def run(coro_fn):
    return async_to_sync(coro_fn)()


def cookie_for(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def socket(path: str, cookie: bytes | None = None, origin=ORIGIN) -> WebsocketCommunicator:
    headers = [origin] + ([(b"cookie", cookie)] if cookie is not None else [])
    return WebsocketCommunicator(application, path, headers=headers)


async def receive_until(ws, predicate, timeout: float = 5.0) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        frame = await ws.receive_json_from(timeout=max(end - loop.time(), 0.01))
        if predicate(frame):
            return frame


def is_type(name: str):
    return lambda f: f.get("type") == name


def is_event(name: str):
    return lambda f: f.get("type") == "event" and f.get("event") == name


@pytest.fixture
def room(host, lab, learners):
    return {"lab": lab, "host": host, "learners": learners}


def test_anonymous_outsiders_and_foreign_origins_are_refused(room):
    code = room["lab"].code
    outsider = cookie_for(UserFactory())
    learner, host = cookie_for(room["learners"][0][0]), cookie_for(room["host"])

    async def scenario():
        for path, user, expected in (
            (f"/ws/labs/{code}/", None, 4401),
            (f"/ws/labs/{code}/", outsider, 4403),
            (f"/ws/labs/{code}/host/", outsider, 4403),
            (f"/ws/labs/{code}/host/", learner, 4403),
            ("/ws/labs/ZZZZZZ/", outsider, 4404),
        ):
            ws = socket(path, user)
            connected, _ = await ws.connect()
            if connected:
                out = await ws.receive_output(timeout=5)
                while out["type"] != "websocket.close":
                    out = await ws.receive_output(timeout=5)
                assert out["code"] == expected, path
            else:
                assert expected == 4401
            await ws.disconnect()
        evil = socket(f"/ws/labs/{code}/host/", host, (b"origin", b"http://evil.test"))
        connected, _ = await evil.connect()
        assert not connected

    run(scenario)


def test_learners_get_state_numbered_events_and_only_their_own_hints(room, exercise):
    lab, host = room["lab"], room["host"]
    (alice, a), (bob, _) = room["learners"]
    item = selectors.lab_items(lab)[0]
    ca, cb = cookie_for(alice), cookie_for(bob)

    async def scenario():
        wa = socket(f"/ws/labs/{lab.code}/", ca)
        wb = socket(f"/ws/labs/{lab.code}/", cb)
        assert (await wa.connect())[0] and (await wb.connect())[0]
        sa = await receive_until(wa, is_type("state"))
        await receive_until(wb, is_type("state"))
        assert sa["state"]["status"] == "running"
        assert "REFERENCE-SOLUTION" not in str(sa) and "SECRET-EXPECTATION" not in str(sa)
        seq = sa["seq"]
        await sync_to_async(services.lab_hint_send)(
            lab_id=lab.pk, user=host, text="Only for Alice", learner_id=a.pk
        )
        got = await receive_until(wa, is_event("hint"))
        assert got["hint"]["text"] == "Only for Alice" and got["seq"] == seq + 1
        skipped = await receive_until(wb, is_event("skip"))
        assert skipped["seq"] == seq + 1 and "Only for Alice" not in str(skipped)
        await sync_to_async(services.lab_pause)(lab_id=lab.pk, user=host, message="Eyes up")
        paused = await receive_until(wb, is_event("paused"))
        assert paused["seq"] == seq + 2 and paused["lab"]["message"] == "Eyes up"
        await sync_to_async(services.lab_solution_unlock)(lab_id=lab.pk, user=host, item_id=item.pk)
        solution = await receive_until(wb, is_event("solution"))
        assert "REFERENCE-SOLUTION" in solution["solution"]
        await wb.send_json_to({"type": "sync"})
        state = await receive_until(wb, is_type("state"))
        assert state["seq"] == seq + 3 and state["state"]["status"] == "paused"
        assert [h["text"] for h in state["state"]["hints"]] == []
        assert "REFERENCE-SOLUTION" in state["state"]["items"][0]["solution"]
        # Learners cannot act as the host.
        await wb.send_json_to({"type": "pause"})
        assert (await receive_until(wb, is_type("error")))["code"] == "unknown_type"
        await wa.disconnect()
        await wb.disconnect()

    run(scenario)


def test_the_board_gets_learner_lines_snapshots_and_host_actions(room, exercise, fake_sandbox):
    lab, host = room["lab"], room["host"]
    (alice, a), _ = room["learners"]
    item = selectors.lab_items(lab)[0]

    def learner_runs(code: str) -> int:
        run_ = services.lab_run_create(lab_id=lab.pk, user=alice, exercise_slug=exercise.slug,
                                       code=code, mode="run", key=new_key())  # fmt: skip
        exercise_services.run_execute(run_id=run_.pk)
        return run_.pk

    ch, ca = cookie_for(host), cookie_for(alice)

    async def scenario():
        wh = socket(f"/ws/labs/{lab.code}/host/", ch)
        wa = socket(f"/ws/labs/{lab.code}/", ca)
        assert (await wh.connect())[0] and (await wa.connect())[0]
        snap = await receive_until(wh, is_type("board_state"))
        await receive_until(wa, is_type("state"))
        assert [r["name"] for r in snap["board"]["items"][0]["rows"]] == ["Learner 0", "Learner 1"]
        seq = snap["seq"]
        await sync_to_async(learner_runs)(STARTER)
        queued = await receive_until(wh, lambda f: f.get("type") == "board")
        assert queued["seq"] == seq + 1 and queued["rows"][0]["runs"] == 1
        place = await receive_until(wa, is_type("queue"))
        assert place["place"] == 1
        done = await receive_until(wh, lambda f: f.get("type") == "board" and f.get("failures"))
        assert done["seq"] == seq + 2
        assert done["rows"][0]["last_status"] == "failed"
        assert {f["kind"] for f in done["failures"]} == {"NotImplementedError"}
        await wh.send_json_to({"type": "code", "learner": a.pk, "item": item.pk})
        code = await receive_until(wh, is_type("code"))
        assert code["code"]["code"] == STARTER
        await wh.send_json_to({"type": "hint", "text": "Read the error", "learner": a.pk})
        await receive_until(wh, lambda f: f.get("type") == "done" and f["action"] == "hint")
        assert (await receive_until(wa, is_event("hint")))["hint"]["text"] == "Read the error"
        await wh.send_json_to({"type": "spotlight", "learner": a.pk, "item": item.pk})
        snap = await receive_until(
            wh, lambda f: f["type"] == "board_state" and f["board"]["spotlight"]
        )
        assert snap["board"]["spotlight"]["code"] == STARTER
        await wh.send_json_to({"type": "unlock", "item": item.pk})
        assert "REFERENCE-SOLUTION" in (await receive_until(wa, is_event("solution")))["solution"]
        await wh.send_json_to({"type": "settings", "stuck_minutes": 2, "stuck_failures": 4})
        snap = await receive_until(
            wh, lambda f: f["type"] == "board_state" and f["board"]["lab"]["stuck_failures"] == 4
        )
        await wh.send_json_to({"type": "end"})
        assert (await receive_until(wa, is_event("ended")))["lab"]["status"] == "ended"
        await wh.send_json_to({"type": "hint", "text": "late"})
        assert (await receive_until(wh, is_type("error")))["code"] == "lab_ended"
        await wh.disconnect()
        await wa.disconnect()

    run(scenario)


def test_staff_may_open_the_board(room):
    staff = cookie_for(UserFactory(is_staff=True))

    async def scenario():
        ws = socket(f"/ws/labs/{room['lab'].code}/host/", staff)
        assert (await ws.connect())[0]
        assert (await receive_until(ws, is_type("board_state")))["board"]["lab"]["code"]
        await ws.disconnect()

    run(scenario)


def test_a_second_run_while_one_is_queued_is_refused(room, exercise):
    lab = room["lab"]
    alice = room["learners"][0][0]
    services.lab_run_create(lab_id=lab.pk, user=alice, exercise_slug=exercise.slug,
                            code=SOLUTION, mode="run", key=new_key())  # fmt: skip
    from apps.exercises.errors import RunInProgress

    with pytest.raises(RunInProgress):
        services.lab_run_create(lab_id=lab.pk, user=alice, exercise_slug=exercise.slug,
                                code=SOLUTION, mode="run", key=new_key())  # fmt: skip
