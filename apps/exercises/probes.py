"""Helpers for exercise probes, importable in the sandbox as ``probes``.

The sandbox copies this file next to the harness, so a probe file can say ``from probes
import run_virtual``. Standard library only; it runs with the learner's code, like the
probes themselves, so it is a convenience for honest tests, not something to trust.

``run_virtual`` runs a coroutine on an event loop whose clock jumps to the next timer
whenever every task is waiting: ``asyncio.sleep`` and timeouts take no real time, and
timers due at the same moment fire in the order they were set. A test of timeouts,
retries or concurrency then sees the same order and the same durations on a loaded
machine as on an idle one, which recorded expected values need.
"""

import asyncio
import selectors
import time


class VirtualClock(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps to the next timer when every task is waiting."""

    def __init__(self, start=0.0):
        self.now = start
        self.timers = 0
        loop = self

        class Selector(selectors.DefaultSelector):
            def select(self, timeout=None):
                events = super().select(0 if timeout is not None else None)
                if not events and timeout:
                    loop.now += timeout
                return events

        super().__init__(selector=Selector())

    def time(self):
        return self.now

    def call_at(self, when, callback, *args, context=None):  # type: ignore[override]
        self.timers += 1  # timers due at the same time run in the order they were set
        return super().call_at(when + self.timers * 1e-9, callback, *args, context=context)


def run_virtual(coro, *, start=0.0, clock_in=()):
    """Run ``coro`` like ``asyncio.run()`` on a virtual clock; return its result and the
    virtual seconds it took. While it runs, ``time.perf_counter`` and ``time.monotonic``
    read that clock, in ``time`` and in each module of ``clock_in`` that imported them by
    name (``from time import perf_counter``)."""
    loop = VirtualClock(start)
    patched = []
    if clock_in:
        for name in ("perf_counter", "monotonic"):
            real = getattr(time, name)
            for module in (time, *clock_in):
                if getattr(module, name, None) is real:
                    setattr(module, name, loop.time)
                    patched.append((module, name, real))
    try:
        with asyncio.Runner(loop_factory=lambda: loop) as runner:
            result = runner.run(coro)
    finally:
        for module, name, real in patched:
            setattr(module, name, real)
    return result, loop.now - start
