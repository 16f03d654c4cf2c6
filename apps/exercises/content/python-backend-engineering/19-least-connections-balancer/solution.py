"""A least-connections balancer with passive health checks."""

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


class NoServerAvailable(Exception):
    """Every server is out of rotation."""


@dataclass
class _State:
    index: int
    active: int = 0
    failures: int = 0
    ejected_until: float | None = None
    probation: bool = False
    last_pick: int = -1  # -1: never picked


class Balancer:
    """Least connections over healthy servers; failing servers are ejected for a while."""

    def __init__(
        self,
        servers: Sequence[str],
        *,
        max_fails: int = 3,
        fail_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        if not servers or len(set(servers)) != len(servers):
            raise ValueError("servers must be a non-empty list without duplicates")
        if max_fails < 1 or fail_timeout <= 0:
            raise ValueError("max_fails must be >= 1 and fail_timeout > 0")
        self.servers = list(servers)
        self.max_fails = max_fails
        self.fail_timeout = fail_timeout
        self.clock = clock
        self._state = {name: _State(i) for i, name in enumerate(self.servers)}
        self._picks = itertools.count()

    def _in_rotation(self, state: _State, now: float) -> bool:
        if state.ejected_until is None:
            return True
        if now >= state.ejected_until:
            state.ejected_until = None
            state.probation = True
            return True
        return False

    def acquire(self) -> str:
        now = self.clock()
        candidates = [name for name in self.servers if self._in_rotation(self._state[name], now)]
        if not candidates:
            raise NoServerAvailable("every server is ejected")
        best = min(
            candidates,
            key=lambda n: (self._state[n].active, self._state[n].last_pick, self._state[n].index),
        )
        state = self._state[best]
        state.active += 1
        state.last_pick = next(self._picks)
        return best

    def release(self, server: str, *, ok: bool) -> None:
        state = self._state.get(server)
        if state is None:
            raise ValueError(f"unknown server {server!r}")
        state.active = max(0, state.active - 1)
        if ok:
            state.failures = 0
            state.probation = False
            return
        state.failures += 1
        if state.probation or state.failures >= self.max_fails:
            state.ejected_until = self.clock() + self.fail_timeout
            state.probation = False

    def available(self) -> list[str]:
        now = self.clock()
        return [name for name in self.servers if self._in_rotation(self._state[name], now)]
