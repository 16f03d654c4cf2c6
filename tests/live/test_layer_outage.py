"""Live sockets through a channel-layer outage (Redis cut for a moment).

The layer of this process is wrapped so that it can be made to fail as channels-redis
does when Redis goes away: receives waiting on it raise ``ConnectionError`` (their
connection closed), and every call made during the outage raises too. A socket must
survive that, tell its client the state afterwards (the broadcasts sent during the
outage were lost), and a player who could not join the session's group during the
outage must not keep later players out once the layer is back.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from apps.live import services
from apps.live.models import SessionStatus
from tests.factories import UserFactory
from tests.live.test_consumers import (
    cookie_for_player,
    cookie_for_user,
    event,
    join,
    receive_until,
    run,
    socket,
)
from tests.quizzes.conftest import build_quiz

pytestmark = pytest.mark.django_db(transaction=True)


class Outage:
    """Wraps the layer's ``receive``, ``group_add`` and ``group_send``."""

    def __init__(self, layer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.layer = layer
        self.down = False
        self.stuck = False
        self.cut: asyncio.Event | None = None
        self.failed_receives = 0
        real_receive, real_add, real_send = layer.receive, layer.group_add, layer.group_send

        async def receive(channel: str) -> Any:
            self._check()
            pending = asyncio.ensure_future(real_receive(channel))
            cut = asyncio.ensure_future(self._event().wait())
            done, _ = await asyncio.wait({pending, cut}, return_when=asyncio.FIRST_COMPLETED)
            if pending in done:
                cut.cancel()
                return pending.result()
            pending.cancel()
            self.failed_receives += 1
            raise ConnectionError("Connection closed by server.")

        async def group_add(group: str, channel: str) -> Any:
            self._check()
            while self.stuck:  # a call that neither answers nor fails
                await asyncio.sleep(0.05)
            return await real_add(group, channel)

        async def group_send(group: str, message: dict[str, Any]) -> Any:
            self._check()
            return await real_send(group, message)

        monkeypatch.setattr(layer, "receive", receive)
        monkeypatch.setattr(layer, "group_add", group_add)
        monkeypatch.setattr(layer, "group_send", group_send)

    def _event(self) -> asyncio.Event:
        if self.cut is None:
            self.cut = asyncio.Event()
        return self.cut

    def _check(self) -> None:
        if self.down:
            raise ConnectionError("Error 111 connecting to redis. Connection refused.")

    def start(self) -> None:
        self.down = True
        self._event().set()

    def end(self) -> None:
        self.down = False
        self.cut = None


@pytest.fixture
def game():
    quiz = build_quiz()
    host = UserFactory(username="livehost")
    session = services.session_create(host=host, quiz_slug=quiz.slug, seconds_per_question=20)
    return {"host": host, "session": session}


@pytest.fixture
def outage(monkeypatch):
    layer = get_channel_layer()
    assert layer is not None
    return Outage(layer, monkeypatch)


def test_a_socket_outlives_a_layer_outage_and_gets_the_state_after_it(game, outage):
    code, host = game["session"].code, game["host"]
    ada = join(game, "Ada")

    async def scenario():
        player = socket(code, "play", await sync_to_async(cookie_for_player)(code, ada))
        assert (await player.connect())[0]
        state = await receive_until(player, lambda f: f["type"] == "state")
        assert state["state"]["status"] == "lobby"

        outage.start()
        await asyncio.sleep(0.3)
        assert outage.failed_receives >= 1  # the socket's receives did fail
        # The question opens while the layer is away: its broadcast is lost.
        await sync_to_async(services.host_action)(
            session_id=game["session"].pk, user=host, action="start"
        )
        assert await player.receive_nothing(timeout=1.0)  # still open, nothing heard
        outage.end()

        # Told the state once the layer answers again (about LAYER_RETRY later).
        state = await receive_until(player, lambda f: f["type"] == "state", timeout=5)
        assert state["state"]["status"] == SessionStatus.QUESTION and state["state"]["index"] == 0
        # And broadcasts reach it again.
        await sync_to_async(services.host_action)(
            session_id=game["session"].pk, user=host, action="reveal"
        )
        closed = await receive_until(player, event("closed"))
        assert closed["seq"] == state["seq"] + 1
        await player.disconnect()

    run(scenario)


def test_a_failed_subscription_does_not_keep_later_players_out(game, outage):
    code = game["session"].code
    ada, bob = join(game, "Ada"), join(game, "Bob")

    async def scenario():
        outage.start()
        first = socket(code, "play", await sync_to_async(cookie_for_player)(code, ada))
        await first.connect()
        with pytest.raises(ConnectionError):  # could not join the session's group
            await receive_until(first, lambda f: f["type"] == "state", timeout=2)
        outage.end()

        later = socket(code, "play", await sync_to_async(cookie_for_player)(code, bob))
        assert (await later.connect())[0]
        state = await receive_until(later, lambda f: f["type"] == "state", timeout=3)
        assert state["state"]["me"]["nickname"] == "Bob"
        await later.disconnect()

    run(scenario)


def test_the_host_socket_outlives_a_layer_outage_too(game, outage):
    code, host = game["session"].code, game["host"]

    async def scenario():
        screen = socket(code, "host", await sync_to_async(cookie_for_user)(host))
        assert (await screen.connect())[0]
        await receive_until(screen, lambda f: f["type"] == "state")
        outage.start()
        await asyncio.sleep(0.3)
        assert await screen.receive_nothing(timeout=0.5)
        outage.end()
        state = await receive_until(screen, lambda f: f["type"] == "state", timeout=5)
        assert state["state"]["status"] == SessionStatus.LOBBY
        await screen.send_json_to({"type": "start"})
        await receive_until(screen, event("question"))
        await screen.disconnect()

    run(scenario)


def test_a_socket_whose_opening_hangs_is_closed_for_its_client_to_retry(game, outage, monkeypatch):
    from apps.live.consumers import LiveConsumer

    monkeypatch.setattr(LiveConsumer, "open_timeout", 0.5)
    code = game["session"].code
    ada, bob = join(game, "Ada"), join(game, "Bob")

    async def scenario():
        outage.stuck = True  # the subscription to the session's group never answers
        first = socket(code, "play", await sync_to_async(cookie_for_player)(code, ada))
        assert (await first.connect())[0]
        closed = await first.receive_output(timeout=3)
        assert closed == {"type": "websocket.close", "code": 1013}  # "try again later"
        outage.stuck = False

        later = socket(code, "play", await sync_to_async(cookie_for_player)(code, bob))
        assert (await later.connect())[0]
        state = await receive_until(later, lambda f: f["type"] == "state", timeout=3)
        assert state["state"]["me"]["nickname"] == "Bob"
        await later.disconnect()
        await first.disconnect()

    run(scenario)
