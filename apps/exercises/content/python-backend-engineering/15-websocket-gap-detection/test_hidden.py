from solution import GameClient


class FakeServer:
    def __init__(self, seq, state):
        self.seq, self.state = seq, state
        self.fetches = 0

    def snapshot(self):
        self.fetches += 1
        return self.seq, self.state  # returns its own dict: the client must copy it


def test_state_is_a_copy_of_the_snapshot(check):
    server = FakeServer(1, {"q": 1})
    client = GameClient(server.snapshot)
    client.on_message(2, {"q": 2})
    check("the server's dict after on_message(2, {'q': 2})", server.state)
    server.state["q"] = 100
    check("client.state after the server changed its dict", client.state)


def test_reconnect_always_resyncs(check):
    server = FakeServer(5, {"q": 1})
    client = GameClient(server.snapshot)
    server.seq, server.state = 9, {"q": 3}
    client.on_reconnect()
    check("(last_seq, state, resyncs) after on_reconnect() (server at 9)", (client.last_seq, client.state, client.resyncs))
    client.on_reconnect()
    check("resyncs after a second on_reconnect()", client.resyncs)
    check("snapshots fetched in all", server.fetches)


def test_stale_snapshot_never_moves_back(check):
    server = FakeServer(5, {"q": 1})
    client = GameClient(server.snapshot)
    client.on_message(6, {"q": 2})
    server.seq, server.state = 4, {"q": 0}  # a lagging replica
    check("on_message(9, {'q': 9}) at 6 (server at 4)", client.on_message(9, {"q": 9}))
    check("(last_seq, state)", (client.last_seq, client.state))
    check("resyncs", client.resyncs)


def test_message_already_in_snapshot_is_dropped(check):
    server = FakeServer(1, {"q": 1})
    client = GameClient(server.snapshot)
    server.seq, server.state = 10, {"q": 10}
    check("on_message(8, {'q': 8}) at 1 (server at 10)", client.on_message(8, {"q": 8}))
    check("(last_seq, state)", (client.last_seq, client.state))
    check("on_message(10, {'q': -1})", client.on_message(10, {"q": -1}))
    check("on_message(11, {'q': 11})", client.on_message(11, {"q": 11}))


def test_snapshot_still_behind_the_message(check):
    server = FakeServer(1, {"q": 1})
    client = GameClient(server.snapshot)
    server.seq, server.state = 3, {"q": 3}
    check("on_message(6, {'q': 6}) at 1 (server at 3)", client.on_message(6, {"q": 6}))
    check("(last_seq, state)", (client.last_seq, client.state))
    server.seq, server.state = 6, {"q": 6, "final": True}
    check("on_message(7, {'q': 7}) at 3 (server at 6)", client.on_message(7, {"q": 7}))
    check("state", client.state)
    check("resyncs", client.resyncs)


def test_merge_keeps_other_keys(check):
    client = GameClient(FakeServer(0, {"question": 1, "scores": {"ana": 3}}).snapshot)
    client.on_message(1, {"question": 2})
    check("state after on_message(1, {'question': 2})", client.state)
