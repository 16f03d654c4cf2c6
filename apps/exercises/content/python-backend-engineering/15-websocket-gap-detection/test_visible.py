from solution import GameClient


class FakeServer:
    def __init__(self, seq, state):
        self.seq, self.state = seq, state
        self.fetches = 0

    def snapshot(self):
        self.fetches += 1
        return self.seq, dict(self.state)


def test_join_from_snapshot():
    server = FakeServer(3, {"question": 2})
    client = GameClient(server.snapshot)
    got = (client.last_seq, client.state, client.resyncs)
    assert got == (3, {"question": 2}, 0), f"expected (3, {{'question': 2}}, 0), got {got!r}"


def test_apply_in_order_and_ignore_duplicates():
    client = GameClient(FakeServer(3, {"question": 2}).snapshot)
    assert client.on_message(4, {"question": 3}) == "applied"
    assert client.on_message(4, {"question": 99}) == "ignored", "a repeated seq must be ignored"
    assert client.on_message(2, {"question": 0}) == "ignored", "an old seq must be ignored"
    assert client.state == {"question": 3} and client.last_seq == 4, f"unexpected state {client.state!r} at {client.last_seq}"


def test_gap_triggers_resync():
    server = FakeServer(3, {"question": 2})
    client = GameClient(server.snapshot)
    client.on_message(4, {"question": 3})
    server.seq, server.state = 6, {"question": 4, "revealed": True}
    got = client.on_message(7, {"question": 5})
    assert got == "resynced", f"a gap (4 -> 7) should return 'resynced', got {got!r}"
    assert client.last_seq == 7, f"snapshot at 6 then message 7: expected last_seq 7, got {client.last_seq}"
    assert client.state == {"question": 5, "revealed": True}, f"unexpected state {client.state!r}"
    assert client.resyncs == 1, f"expected 1 resync, got {client.resyncs}"
