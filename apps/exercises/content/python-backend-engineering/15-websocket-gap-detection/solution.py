"""Notice lost websocket messages and resync."""

from collections.abc import Callable


class GameClient:
    """Client-side view of one live game, kept in sync by sequence numbers."""

    def __init__(self, fetch_snapshot: Callable[[], tuple[int, dict]]):
        self.fetch_snapshot = fetch_snapshot
        seq, state = fetch_snapshot()
        self.last_seq = seq
        self.state = dict(state)
        self.resyncs = 0

    def _resync(self) -> None:
        seq, state = self.fetch_snapshot()
        self.resyncs += 1
        if seq > self.last_seq:  # never move back in time
            self.state = dict(state)
            self.last_seq = seq

    def on_message(self, seq: int, data: dict) -> str:
        """Apply, ignore or resync; return "applied", "ignored" or "resynced"."""
        if seq <= self.last_seq:
            return "ignored"
        if seq == self.last_seq + 1:
            self.state.update(data)
            self.last_seq = seq
            return "applied"
        self._resync()
        if seq == self.last_seq + 1:
            self.state.update(data)
            self.last_seq = seq
        return "resynced"

    def on_reconnect(self) -> None:
        """Messages sent while disconnected are lost: resync."""
        self._resync()
