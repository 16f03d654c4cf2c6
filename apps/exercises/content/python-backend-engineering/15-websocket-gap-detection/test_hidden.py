from solution import GameClient


class FakeServer:
    def __init__(self, seq, state):
        self.seq, self.state = seq, state
        self.fetches = 0

    def snapshot(self):
        self.fetches += 1
        return self.seq, self.state  # returns its own dict: the client must copy it


def test_state_is_a_copy_of_the_snapshot():
    server = FakeServer(1, {"q": 1})
    client = GameClient(server.snapshot)
    client.on_message(2, {"q": 2})
    assert server.state == {"q": 1}, "the client modified the snapshot dict it was given"
    server.state["q"] = 100
    assert client.state == {"q": 2}, "the client must not alias the snapshot dict"


def test_reconnect_always_resyncs():
    server = FakeServer(5, {"q": 1})
    client = GameClient(server.snapshot)
    server.seq, server.state = 9, {"q": 3}
    client.on_reconnect()
    assert (client.last_seq, client.state, client.resyncs) == (9, {"q": 3}, 1), (
        f"unexpected after reconnect: {(client.last_seq, client.state, client.resyncs)!r}"
    )
    client.on_reconnect()
    assert client.resyncs == 2 and server.fetches == 3, "every reconnect fetches a snapshot"


def test_stale_snapshot_never_moves_back():
    server = FakeServer(5, {"q": 1})
    client = GameClient(server.snapshot)
    client.on_message(6, {"q": 2})
    server.seq, server.state = 4, {"q": 0}  # a lagging replica
    got = client.on_message(9, {"q": 9})
    assert got == "resynced"
    assert (client.last_seq, client.state) == (6, {"q": 2}), f"an older snapshot must be ignored: {(client.last_seq, client.state)!r}"
    assert client.resyncs == 1


def test_message_already_in_snapshot_is_dropped():
    server = FakeServer(1, {"q": 1})
    client = GameClient(server.snapshot)
    server.seq, server.state = 10, {"q": 10}
    assert client.on_message(8, {"q": 8}) == "resynced"
    assert (client.last_seq, client.state) == (10, {"q": 10}), f"message 8 is older than snapshot 10: {client.state!r}"
    assert client.on_message(10, {"q": -1}) == "ignored"
    assert client.on_message(11, {"q": 11}) == "applied"


def test_snapshot_still_behind_the_message():
    server = FakeServer(1, {"q": 1})
    client = GameClient(server.snapshot)
    server.seq, server.state = 3, {"q": 3}
    assert client.on_message(6, {"q": 6}) == "resynced"
    assert (client.last_seq, client.state) == (3, {"q": 3}), f"message 6 cannot be applied at 3: {client.state!r}"
    server.seq, server.state = 6, {"q": 6, "final": True}
    assert client.on_message(7, {"q": 7}) == "resynced", "4..6 are still missing: resync again"
    assert client.state == {"q": 7, "final": True} and client.resyncs == 2


def test_merge_keeps_other_keys():
    client = GameClient(FakeServer(0, {"question": 1, "scores": {"ana": 3}}).snapshot)
    client.on_message(1, {"question": 2})
    assert client.state == {"question": 2, "scores": {"ana": 3}}, f"data should be merged, got {client.state!r}"
