"""Readiness checks: the database, the cache, the channel layer and the broker.

Each check returns a ``CheckResult``; ``readiness_report`` runs them all and is
what ``/readyz`` serves. A check never raises.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from apps.core.runtime import main_loop

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    backend: str
    latency_ms: float
    error: str = ""


def _timed(name: str, backend: str, func: Callable[[], None]) -> CheckResult:
    started = time.perf_counter()
    try:
        func()
    except Exception as exc:  # a readiness probe reports failures, it does not raise them
        logger.warning("readiness check %s failed: %s", name, exc)
        return CheckResult(
            name,
            False,
            backend,
            round((time.perf_counter() - started) * 1000, 2),
            type(exc).__name__,
        )
    return CheckResult(name, True, backend, round((time.perf_counter() - started) * 1000, 2))


def check_database() -> CheckResult:
    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            if cursor.fetchone() != (1,):
                raise RuntimeError("unexpected answer to SELECT 1")

    return _timed("database", connection.vendor, run)


def check_cache() -> CheckResult:
    def run() -> None:
        key = f"readyz:{uuid.uuid4().hex}"
        cache.set(key, "1", timeout=10)
        value = cache.get(key)
        cache.delete(key)
        if value != "1":
            raise RuntimeError("cache did not return the value it stored")

    backend = str(settings.CACHES["default"]["BACKEND"]).rsplit(".", 1)[-1]
    return _timed("cache", backend, run)


def check_channel_layer() -> CheckResult:
    layer = get_channel_layer()

    async def roundtrip() -> None:
        assert layer is not None
        channel = await layer.new_channel("readyz.")
        token = uuid.uuid4().hex
        await layer.send(channel, {"type": "readyz.ping", "token": token})
        message = await asyncio.wait_for(layer.receive(channel), CHECK_TIMEOUT_SECONDS)
        if message.get("token") != token:
            raise RuntimeError("channel layer returned another message")
        shards = getattr(layer, "ring_size", 1)
        if shards > 1:  # a sharded layer: every instance must answer, not only this one's
            for index in range(shards):
                await layer.connection(index).ping()

    def run() -> None:
        if layer is None:
            raise RuntimeError("no channel layer configured")
        loop = main_loop()
        if loop is not None:
            # On the server's own loop: the same layer connections the consumers use.
            future = asyncio.run_coroutine_threadsafe(roundtrip(), loop)
            future.result(timeout=CHECK_TIMEOUT_SECONDS + 1)
        else:
            async_to_sync(roundtrip)()

    return _timed("channel_layer", type(layer).__name__ if layer else "none", run)


def check_broker() -> CheckResult:
    from config.celery import app

    if app.conf.task_always_eager:
        return CheckResult("broker", True, "inline", 0.0)

    def run() -> None:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)
            client = getattr(conn.default_channel, "client", None)
            if client is not None:  # Redis transport: a real round trip
                client.ping()

    return _timed("broker", app.conf.broker_url.split("://", 1)[0], run)


_last_report: tuple[float, list[CheckResult]] | None = None
_report_lock = threading.Lock()


def readiness_report() -> list[CheckResult]:
    """Run every check; reuse a result younger than READINESS_CACHE_SECONDS."""
    global _last_report  # noqa: PLW0603
    max_age = settings.READINESS_CACHE_SECONDS
    with _report_lock:
        now = time.monotonic()
        if _last_report is not None and now - _last_report[0] < max_age:
            return _last_report[1]
        report = [check_database(), check_cache(), check_channel_layer(), check_broker()]
        _last_report = (time.monotonic(), report)
        return report
