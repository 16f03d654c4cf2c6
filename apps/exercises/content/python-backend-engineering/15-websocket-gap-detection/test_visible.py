"""Visible tests: each one calls your code and checks what it returns.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label, outside the sandbox. The expected values are listed
on the exercise page and shown in a failing test's message.
"""

from solution import GameClient


class FakeServer:
    def __init__(self, seq, state):
        self.seq, self.state = seq, state
        self.fetches = 0

    def snapshot(self):
        self.fetches += 1
        return self.seq, dict(self.state)


def test_join_from_snapshot(check):
    client = GameClient(FakeServer(3, {"question": 2}).snapshot)
    check("(last_seq, state, resyncs) after joining at snapshot 3", (client.last_seq, client.state, client.resyncs))


def test_apply_in_order_and_ignore_duplicates(check):
    client = GameClient(FakeServer(3, {"question": 2}).snapshot)
    check("on_message(4, {'question': 3}) at 3", client.on_message(4, {"question": 3}))
    check("on_message(4, {'question': 99}) again", client.on_message(4, {"question": 99}))
    check("on_message(2, {'question': 0})", client.on_message(2, {"question": 0}))
    check("state", client.state)
    check("last_seq", client.last_seq)


def test_gap_triggers_resync(check):
    server = FakeServer(3, {"question": 2})
    client = GameClient(server.snapshot)
    client.on_message(4, {"question": 3})
    server.seq, server.state = 6, {"question": 4, "revealed": True}
    check("on_message(7, {'question': 5}) at 4 (server at 6)", client.on_message(7, {"question": 5}))
    check("last_seq", client.last_seq)
    check("state", client.state)
    check("resyncs", client.resyncs)
