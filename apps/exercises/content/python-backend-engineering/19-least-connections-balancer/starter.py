"""A least-connections balancer with passive health checks."""

import time
from collections.abc import Callable, Sequence


class NoServerAvailable(Exception):
    """Every server is out of rotation."""


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
        self.servers = list(servers)
        self.max_fails = max_fails
        self.fail_timeout = fail_timeout
        self.clock = clock
        self._next = 0

    def acquire(self) -> str:
        # Plain round robin: ignores load and health.
        server = self.servers[self._next % len(self.servers)]
        self._next += 1
        return server

    def release(self, server: str, *, ok: bool) -> None:
        pass

    def available(self) -> list[str]:
        return list(self.servers)
