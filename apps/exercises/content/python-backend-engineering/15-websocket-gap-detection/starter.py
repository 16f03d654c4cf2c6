"""Notice lost websocket messages and resync."""

from collections.abc import Callable


class GameClient:
    """Client-side view of one live game, kept in sync by sequence numbers."""

    def __init__(self, fetch_snapshot: Callable[[], tuple[int, dict]]):
        self.fetch_snapshot = fetch_snapshot
        self.last_seq, self.state = fetch_snapshot()
        self.resyncs = 0

    def on_message(self, seq: int, data: dict) -> str:
        """Apply, ignore or resync; return "applied", "ignored" or "resynced"."""
        # Trusts the socket: applies everything, in whatever order it arrives.
        self.state.update(data)
        self.last_seq = seq
        return "applied"

    def on_reconnect(self) -> None:
        """Messages sent while disconnected are lost: resync."""
        raise NotImplementedError
